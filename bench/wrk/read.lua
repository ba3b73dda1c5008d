-- GET <prefix>/<id> for random ids in 1..N: `-- /api/v1/items 10000`.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local report = require("report")
local prefix, count = "/api/v1/items", 10000

function init(args)
  prefix = args[1] or prefix
  count = tonumber(args[2] or count)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  return wrk.format("GET", prefix .. "/" .. math.random(1, count))
end

done = report.done
