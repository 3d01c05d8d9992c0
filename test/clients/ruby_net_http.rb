# Ruby's Net::HTTP, Expect: 100-continue set by the application, with a
# continue_timeout of 1 s (without one, the body goes at once).
# Usage: ruby ruby_net_http.rb URL FILE; prints {"status": N}.
require "net/http"
require "json"

uri = URI(ARGV[0])
data = File.binread(ARGV[1])
begin
  Net::HTTP.start(uri.host, uri.port) do |http|
    http.continue_timeout = 1
    req = Net::HTTP::Post.new(uri)
    req["Expect"] = "100-continue"
    req["Content-Type"] = "application/octet-stream"
    req.body = data
    res = http.request(req)
    puts JSON.generate({"status" => res.code.to_i, "body" => res.body.to_s})
  end
rescue StandardError => e
  puts JSON.generate({"status" => 0, "error" => e.inspect})
end
