-- POST a new item with a name no other request uses: `-- /api/v1/items <nonce>`.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local report = require("report")
local path, nonce, counter, thread_tag = "/api/v1/items", "run", 0, ""

function init(args)
  path = args[1] or path
  nonce = args[2] or nonce
  thread_tag = tostring({}):sub(8)
end

function request()
  counter = counter + 1
  local body = string.format('{"name": "bench-%s-%s-%d", "price": "12.50"}', nonce, thread_tag, counter)
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end

done = report.done
