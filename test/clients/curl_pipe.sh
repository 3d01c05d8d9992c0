#!/bin/sh
# curl -T - from a pipe: a PUT of a body that cannot be rewound, chunked,
# with the Expect: 100-continue libcurl adds. Usage: curl_pipe.sh URL
# FILE; prints what the CGI read (its X-Body header), then {"status": N},
# or status 0 when curl fails (exit 65: it could not rewind to resend).
out=$(cat "$2" | curl -sS -A curl -T - -o /dev/null \
      -w '%header{x-body}\n{"status": %{http_code}}' "$1")
rc=$?
if [ $rc -ne 0 ]; then
    echo "{\"status\": 0, \"error\": \"curl exit $rc\"}"
else
    echo "$out"
fi
