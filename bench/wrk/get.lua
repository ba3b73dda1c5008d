-- GET the path given after `--` (default /health/live).
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local report = require("report")
local path = "/health/live"

function init(args)
  path = args[1] or path
end

function request()
  return wrk.format("GET", path)
end

done = report.done
