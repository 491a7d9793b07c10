// A small JSON reader/writer for the tests only: reads sandbox.json and the client config the
// sandbox writes, lets a test override keys, and writes the config back out. Numbers are kept as
// their source text. Not part of the library or the wrapper.
#pragma once

#include <cstddef>
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace json_lite {

struct Value {
    enum class Kind { null, boolean, number, string, array, object } kind = Kind::null;
    bool b = false;
    std::string text;  // string contents, or a number's source text
    std::vector<Value> items;
    std::vector<std::pair<std::string, Value>> members;  // source order kept

    static Value str(std::string s) {
        Value v;
        v.kind = Kind::string;
        v.text = std::move(s);
        return v;
    }
    static Value num(long long n) {
        Value v;
        v.kind = Kind::number;
        v.text = std::to_string(n);
        return v;
    }

    const Value& operator[](const std::string& key) const {
        for (const auto& m : members)
            if (m.first == key) return m.second;
        throw std::runtime_error("json: no key " + key);
    }
    const std::string& s(const std::string& key) const {
        const Value& v = (*this)[key];
        if (v.kind != Kind::string) throw std::runtime_error("json: " + key + " is not a string");
        return v.text;
    }
    void set(const std::string& key, Value v) {
        for (auto& m : members)
            if (m.first == key) {
                m.second = std::move(v);
                return;
            }
        members.emplace_back(key, std::move(v));
    }
};

class Parser {
public:
    explicit Parser(const std::string& src) : s_(src) {}

    Value parse() {
        Value v = value();
        ws();
        if (i_ != s_.size()) fail("trailing characters");
        return v;
    }

private:
    [[noreturn]] void fail(const char* why) const {
        throw std::runtime_error(std::string("json: ") + why + " at offset " + std::to_string(i_));
    }
    void ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t'))
            ++i_;
    }
    bool eat(char c) {
        ws();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    void expect(char c) {
        if (!eat(c)) fail("unexpected character");
    }
    bool word(const char* w) {
        const std::string sw(w);
        if (s_.compare(i_, sw.size(), sw) == 0) {
            i_ += sw.size();
            return true;
        }
        return false;
    }

    static void utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    unsigned hex4() {
        if (i_ + 4 > s_.size()) fail("short \\u escape");
        unsigned cp = static_cast<unsigned>(std::stoul(s_.substr(i_, 4), nullptr, 16));
        i_ += 4;
        return cp;
    }

    std::string string_body() {
        std::string out;
        while (true) {
            if (i_ >= s_.size()) fail("unterminated string");
            char c = s_[i_++];
            if (c == '"') return out;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) fail("bad escape");
            char e = s_[i_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    unsigned cp = hex4();
                    if (cp >= 0xD800 && cp < 0xDC00 && word("\\u")) {
                        unsigned lo = hex4();
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    }
                    utf8(out, cp);
                    break;
                }
                default: fail("bad escape");
            }
        }
    }

    Value value() {
        ws();
        if (i_ >= s_.size()) fail("unexpected end");
        Value v;
        char c = s_[i_];
        if (c == '{') {
            ++i_;
            v.kind = Value::Kind::object;
            if (eat('}')) return v;
            do {
                expect('"');
                std::string k = string_body();
                expect(':');
                v.members.emplace_back(std::move(k), value());
            } while (eat(','));
            expect('}');
        } else if (c == '[') {
            ++i_;
            v.kind = Value::Kind::array;
            if (eat(']')) return v;
            do {
                v.items.push_back(value());
            } while (eat(','));
            expect(']');
        } else if (c == '"') {
            ++i_;
            v.kind = Value::Kind::string;
            v.text = string_body();
        } else if (word("true")) {
            v.kind = Value::Kind::boolean;
            v.b = true;
        } else if (word("false")) {
            v.kind = Value::Kind::boolean;
        } else if (word("null")) {
        } else {
            std::size_t start = i_;
            while (i_ < s_.size() && std::string("+-0123456789.eE").find(s_[i_]) != std::string::npos)
                ++i_;
            if (start == i_) fail("unexpected character");
            v.kind = Value::Kind::number;
            v.text = s_.substr(start, i_ - start);
        }
        return v;
    }

    const std::string& s_;
    std::size_t i_ = 0;
};

inline Value parse(const std::string& text) { return Parser(text).parse(); }

inline std::string quote(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

inline std::string dump(const Value& v) {
    switch (v.kind) {
        case Value::Kind::null: return "null";
        case Value::Kind::boolean: return v.b ? "true" : "false";
        case Value::Kind::number: return v.text;
        case Value::Kind::string: return quote(v.text);
        case Value::Kind::array: {
            std::string out = "[";
            for (std::size_t i = 0; i < v.items.size(); ++i) {
                if (i) out += ",";
                out += dump(v.items[i]);
            }
            return out + "]";
        }
        case Value::Kind::object: {
            std::string out = "{";
            for (std::size_t i = 0; i < v.members.size(); ++i) {
                if (i) out += ",";
                out += quote(v.members[i].first) + ":" + dump(v.members[i].second);
            }
            return out + "}";
        }
    }
    return "null";
}

}  // namespace json_lite
