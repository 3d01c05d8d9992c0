<?php
// PHP's curl extension as applications use it: libcurl adds
// "Expect: 100-continue" to a POST body over 1 MiB by itself.
// Usage: php php_curl.php URL FILE; prints {"status": N}.
[$url, $file] = [$argv[1], $argv[2]];
$ch = curl_init($url);
curl_setopt_array($ch, [
    CURLOPT_POST => true,
    CURLOPT_POSTFIELDS => file_get_contents($file),
    CURLOPT_HTTPHEADER => ['Content-Type: application/octet-stream'],
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_USERAGENT => 'php-curl',
]);
$body = curl_exec($ch);
if ($body === false) {
    echo json_encode(['status' => 0, 'error' => curl_error($ch)]), "\n";
    exit(0);
}
echo json_encode(['status' => curl_getinfo($ch, CURLINFO_RESPONSE_CODE),
                  'body' => $body]), "\n";
