<?php
// Guzzle (Debian's php-guzzlehttp-guzzle): it adds its own
// "Expect: 100-Continue" to bodies of 1 MB or more.
// Usage: php guzzle.php URL FILE; prints {"status": N}.
require '/usr/share/php/GuzzleHttp/autoload.php';
[$url, $file] = [$argv[1], $argv[2]];
$client = new GuzzleHttp\Client();
try {
    $r = $client->request('POST', $url, [
        'body' => fopen($file, 'rb'),
        'headers' => ['Content-Type' => 'application/octet-stream',
                      'User-Agent' => 'guzzle'],
        'http_errors' => false,
    ]);
    echo json_encode(['status' => $r->getStatusCode(),
                      'body' => (string)$r->getBody()]), "\n";
} catch (Exception $e) {
    echo json_encode(['status' => 0, 'error' => $e->getMessage()]), "\n";
}
