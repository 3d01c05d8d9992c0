// Go's net/http with "Expect: 100-continue" set by the application and
// the transport's ExpectContinueTimeout (1 s, as http.DefaultTransport).
// Usage: go_client URL FILE; prints {"status": N}.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	data, err := os.ReadFile(os.Args[2])
	if err != nil {
		panic(err)
	}
	req, _ := http.NewRequest("POST", os.Args[1], bytes.NewReader(data))
	req.Header.Set("Expect", "100-continue")
	req.Header.Set("Content-Type", "application/octet-stream")
	client := &http.Client{Transport: &http.Transport{
		ExpectContinueTimeout: time.Second,
	}}
	out := map[string]interface{}{}
	resp, err := client.Do(req)
	if err != nil {
		out["status"], out["error"] = 0, err.Error()
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		out["status"], out["body"] = resp.StatusCode, string(body)
	}
	line, _ := json.Marshal(out)
	fmt.Println(string(line))
}
