// undici over HTTP/2 in cleartext (h2c, prior knowledge) with
// expectContinue: undici sends Expect only over HTTP/2, and has no timer
// of its own. Usage: node undici_h2c.js URL FILE; prints {"status": N}.
const fs = require('fs');
const { Client } = require('undici');

const url = new URL(process.argv[2]);
const data = fs.readFileSync(process.argv[3]);
const client = new Client(url.origin, { allowH2: true, useH2c: true });
client.request({
  path: url.pathname + url.search,
  method: 'POST',
  body: data,
  expectContinue: true,
  headers: { 'content-type': 'application/octet-stream' },
}).then(async (res) => {
  const body = await res.body.text();
  console.log(JSON.stringify({ status: res.statusCode, body }));
  process.exit(0);
}).catch((e) => {
  console.log(JSON.stringify({ status: 0, error: String(e) }));
  process.exit(0);
});
