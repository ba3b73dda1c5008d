-- GET a page of 50 at a random offset: `-- /api/v1/items 10000 [gzip]`; with `gzip`, the
-- requests accept a gzipped body, as browsers and most HTTP clients do.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local report = require("report")
local path, count, headers = "/api/v1/items", 10000, {}

function init(args)
  path = args[1] or path
  count = tonumber(args[2] or count)
  if args[3] == "gzip" then headers = {["Accept-Encoding"] = "gzip"} end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  return wrk.format("GET", path .. "?limit=50&offset=" .. math.random(0, count - 50), headers)
end

done = report.done
