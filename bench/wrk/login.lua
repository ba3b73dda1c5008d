-- POST the OAuth2 password form: `-- <email> <password>`.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local report = require("report")
local body = ""

function init(args)
  body = "username=" .. args[1] .. "&password=" .. args[2]
end

function request()
  return wrk.format("POST", "/api/v1/auth/token",
    {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

done = report.done
