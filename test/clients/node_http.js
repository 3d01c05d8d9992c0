// Node's core http client as its documentation has it for Expect: the
// body is written on the 'continue' event; Node has no timer of its own.
// Usage: node node_http.js URL FILE; prints {"status": N}.
const fs = require('fs');
const http = require('http');

const data = fs.readFileSync(process.argv[3]);
const req = http.request(process.argv[2], {
  method: 'POST',
  headers: { 'Expect': '100-continue', 'Content-Length': data.length,
             'Content-Type': 'application/octet-stream' },
});
req.on('continue', () => req.end(data));
req.on('response', (res) => {
  let body = '';
  res.on('data', (c) => { body += c; });
  res.on('end', () => {
    console.log(JSON.stringify({ status: res.statusCode, body }));
    process.exit(0);
  });
});
req.on('error', (e) => {
  console.log(JSON.stringify({ status: 0, error: String(e) }));
  process.exit(0);
});
