-- wrk script for bench/throughput_bench.py: a signed-in technician's mix of device search,
-- device detail and ticket list, in turn. The paths and the session cookie come from the
-- environment (FLEETDESK_PATHS, ";"-separated; FLEETDESK_COOKIE).
local paths = {}
for path in string.gmatch(os.getenv("FLEETDESK_PATHS") or "/healthz", "[^;]+") do
  table.insert(paths, path)
end
local cookie = os.getenv("FLEETDESK_COOKIE") or ""
local counter = 0

request = function()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  return wrk.format("GET", path, { ["Cookie"] = cookie, ["Host"] = "localhost" })
end

response = function(status, headers, body)
  if status ~= 200 then
    io.stderr:write("HTTP " .. status .. "\n")
  end
end
