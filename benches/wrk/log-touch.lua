-- wrk script: POST a touch to a random contact of the generated benchmark book (100,000
-- contacts; a member may log a touch on any contact). About 1% of the book is archived and
-- answers 409: wrk counts those as "Non-2xx"; committed touches are the rest.
-- Usage: wrk -s benches/wrk/log-touch.lua -H "Authorization: Bearer $TOKEN" URL
math.randomseed(os.time())
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  local id = math.random(1, 100000)
  local body = '{"kind":"call","summary":"Checked in on the rollout","needs":"data migration"}'
  return wrk.format(nil, "/api/v1/contacts/" .. id .. "/touches", nil, body)
end
