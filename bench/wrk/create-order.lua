-- POST a new order for a random item in 1..N: `-- /api/v1/orders 10000`.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local report = require("report")
local path, count = "/api/v1/orders", 10000

function init(args)
  path = args[1] or path
  count = tonumber(args[2] or count)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local body = string.format(
    '{"item_id": %d, "quantity": %d, "status": "open"}', math.random(1, count), math.random(1, 9)
  )
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end

done = report.done
