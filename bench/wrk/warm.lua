-- GET every id in order, the ids split across wrk's threads: `-- /api/v1/items 10000 <threads>`.
-- Fills the cache before the hit path is measured.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local report = require("report")
local prefix, count, step, first, next_id = "/api/v1/items", 10000, 1, 1, 1
local created = 0

function setup(thread)
  thread:set("thread_index", created)
  created = created + 1
end

function init(args)
  prefix = args[1] or prefix
  count = tonumber(args[2] or count)
  step = tonumber(args[3] or 1)
  first = (thread_index or 0) + 1
  next_id = first
end

function request()
  local id = next_id
  next_id = next_id + step
  if next_id > count then next_id = first end
  return wrk.format("GET", prefix .. "/" .. id)
end

done = report.done
