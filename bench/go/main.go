// Benchmark driver for the official SDK wechatpay-go (Go module proxy), public-key mode.
//
//	peer-go sandbox=SANDBOX.json order=OUT,WEBANK,WXPAY,MCHID,BAL warmup=N n=N admin=URL [once=1]
//
// once=1 (the cold start of bench/coldstart.py): the first submit only, then exit.
//
// Same protocol and output as bench/driver.c: after the first submit and `warmup` submits and
// queries it prints {"ready":true}, then reads "submit" / "query" / "quit" lines on stdin and
// prints one JSON line per repetition. Client CPU: syscall.Getrusage(RUSAGE_SELF), user + sys,
// all threads, around the timed loop only.
//
// The SDK has no service for control orders, so the driver calls the SDK's generic
// core.Client.Request, as its service packages do: it signs the request, adds Wechatpay-Serial
// (the public key id) and verifies every answer's signature (returning an error when it does
// not verify). The request URL is the sandbox's primary URL, passed in full, so no host
// rewriting is needed. option.WithHTTPClient gives the SDK an http.Client whose TLS trusts only
// the sandbox CA. bal_account_no is encrypted on each submit by the SDK's own cipher
// (core.Client.EncryptRequest on a struct field tagged `encryption:"EM_APIV3"`, RSA-OAEP with
// the WeChat Pay public key). Nothing in the SDK is patched or disabled.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"
)

const (
	recoverPath = "/v3/aggracct-bc/wb-channel/control-orders/recover"
	queryPath   = "/v3/aggracct-bc/wb-channel/control-orders/"
)

type recoverRequest struct {
	OutRequestNo          string `json:"out_request_no"`
	RelatedWebankPunishNo string `json:"related_webank_punish_no"`
	RelatedWxpayPunishNo  string `json:"related_wxpay_punish_no"`
	Mchid                 string `json:"mchid"`
	BalAccountNo          string `json:"bal_account_no" encryption:"EM_APIV3"`
	RecoverReason         string `json:"recover_reason"`
}

type recoverAnswer struct {
	WxpayRecoverNo string `json:"wxpay_recover_no"`
	OutRequestNo   string `json:"out_request_no"`
}

type queryAnswer struct {
	RecoverOrder map[string]any `json:"recover_order"`
}

func die(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "peer-go: "+format+"\n", a...)
	os.Exit(1)
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		die("getrusage: %v", err)
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func rssKB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			v, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return v
		}
	}
	return -1
}

// adminStats returns (connections, requests) of both listeners.
func adminStats(admin string) (int64, int64) {
	resp, err := http.Get(admin + "/stats")
	if err != nil {
		die("admin: %v", err)
	}
	defer resp.Body.Close()
	var s map[string]json.RawMessage
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &s); err != nil {
		die("admin: %v", err)
	}
	var conns, reqs int64
	for _, k := range []string{"primary", "backup"} {
		var l struct{ Connections, Requests int64 }
		if err := json.Unmarshal(s[k], &l); err != nil {
			die("admin: %v", err)
		}
		conns += l.Connections
		reqs += l.Requests
	}
	return conns, reqs
}

func pct(sorted []float64, p float64) float64 {
	i := int(p*float64(len(sorted)-1) + 0.5)
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}

func main() {
	args := map[string]string{"warmup": "50", "n": "200", "impl": "wechatpay-go"}
	for _, a := range os.Args[1:] {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			die("arguments are key=value (got %s)", a)
		}
		args[k] = v
	}
	o := strings.Split(args["order"], ",")
	if len(o) != 5 {
		die("order= needs OUT,WEBANK,WXPAY,MCHID,BAL")
	}
	warmup, _ := strconv.Atoi(args["warmup"])
	n, _ := strconv.Atoi(args["n"])

	raw, err := os.ReadFile(args["sandbox"])
	if err != nil {
		die("%v", err)
	}
	var info map[string]any
	if err := json.Unmarshal(raw, &info); err != nil {
		die("%v", err)
	}
	str := func(k string) string { s, _ := info[k].(string); return s }

	privateKey, err := utils.LoadPrivateKeyWithPath(str("merchant_private_key"))
	if err != nil {
		die("%v", err)
	}
	publicKey, err := utils.LoadPublicKeyWithPath(str("wechatpay_public_key"))
	if err != nil {
		die("%v", err)
	}
	caPEM, err := os.ReadFile(str("ca_cert"))
	if err != nil {
		die("%v", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		die("no certificate in %s", str("ca_cert"))
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{RootCAs: roots}
	ctx := context.Background()
	client, err := core.NewClient(ctx,
		option.WithWechatPayPublicKeyAuthCipher(str("mchid"), str("merchant_serial_no"), privateKey,
			str("wechatpay_public_key_id"), publicKey),
		option.WithHTTPClient(&http.Client{Transport: transport, Timeout: 30 * time.Second}),
	)
	if err != nil {
		die("client: %v", err)
	}
	primary := str("primary_url")
	queryURL := primary + queryPath + o[0] + "?control_type=RECOVER&mchid=" + o[3]

	submit := func() {
		req := recoverRequest{o[0], o[1], o[2], o[3], o[4], "bench"}
		if _, err := client.EncryptRequest(ctx, &req); err != nil {
			die("encrypt: %v", err)
		}
		res, err := client.Request(ctx, http.MethodPost, primary+recoverPath, http.Header{}, nil, req, "application/json")
		if err != nil {
			die("submit: %v", err)
		}
		var a recoverAnswer
		err = core.UnMarshalResponse(res.Response, &a)
		if err != nil || a.OutRequestNo != o[0] || a.WxpayRecoverNo == "" {
			die("submit: unexpected answer (%v)", err)
		}
	}
	query := func() {
		res, err := client.Request(ctx, http.MethodGet, queryURL, http.Header{}, nil, nil, "application/json")
		if err != nil {
			die("query: %v", err)
		}
		var a queryAnswer
		if err := core.UnMarshalResponse(res.Response, &a); err != nil || a.RecoverOrder["recover_state"] == nil {
			die("query: unexpected answer (%v)", err)
		}
	}

	submit() // the order's first submit: a new recover under a fresh out_request_no
	// once=1, the cold start of bench/coldstart.py: one submit, then exit.
	if args["once"] == "1" {
		return
	}
	for i := 0; i < warmup; i++ {
		submit()
	}
	for i := 0; i < warmup; i++ {
		query()
	}
	fmt.Println(`{"ready":true}`)

	lat := make([]float64, n)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		cmd := strings.TrimSpace(in.Text())
		if cmd == "" {
			continue
		}
		if cmd == "quit" {
			break
		}
		call := submit
		switch cmd {
		case "submit":
		case "query":
			call = query
		default:
			die("unknown command %q", cmd)
		}
		for i := 0; i < 10; i++ { // re-warm after idling between repetitions
			call()
		}
		c0s, r0s := adminStats(args["admin"])
		c0, w0 := cpuSeconds(), time.Now()
		for i := 0; i < n; i++ {
			t0 := time.Now()
			call()
			lat[i] = float64(time.Since(t0).Nanoseconds()) / 1e3
		}
		wall, c1 := time.Since(w0).Seconds(), cpuSeconds()
		c1s, r1s := adminStats(args["admin"])
		sorted := append([]float64(nil), lat...)
		sort.Float64s(sorted)
		line, _ := json.Marshal(map[string]any{
			"impl": args["impl"], "op": cmd, "threads": 1, "n": n,
			"cpu_us": (c1 - c0) / float64(n) * 1e6, "wall_us": wall / float64(n) * 1e6,
			"p50_us": pct(sorted, 0.5), "p99_us": pct(sorted, 0.99), "rps": float64(n) / wall,
			"new_conns": c1s - c0s, "requests": r1s - r0s, "rss_kb": rssKB(),
		})
		fmt.Println(string(line))
	}
}
