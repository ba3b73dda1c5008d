-- GET the path given after `--` with `If-None-Match: <the tag given after it>`: a client asking
-- whether the row it holds is still current.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local report = require("report")
local path, headers = "/api/v1/items/1", {}

function init(args)
  path = args[1] or path
  headers = {["If-None-Match"] = args[2]}
end

function request()
  return wrk.format("GET", path, headers)
end

done = report.done
