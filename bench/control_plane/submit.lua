-- A new videoInference task (fresh taskUUID) on every request; each is committed before the ack.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  math.randomseed(os.time() + id * 7919)
end

local function uuid4()
  local template = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (string.gsub(template, "[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

request = function()
  local body = '[{"taskType":"videoInference","taskUUID":"' .. uuid4() ..
      '","model":"klingai:kling-video@3-standard","positivePrompt":"bench","width":720,"height":1280,"duration":3}]'
  return wrk.format("POST", "/v1", {["Content-Type"] = "application/json",
                                    ["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")}, body)
end
