-- POST /fhir/Observation with a realistic ~1.2 KB vital-signs Observation (heart rate:
-- category, LOINC code, subject reference, effectiveDateTime, valueQuantity,
-- referenceRange). Every request carries the same body: the server assigns a new id each
-- time, so each 201 is a new resource. Counts responses by status per thread; done() prints the totals
-- (created = 201 responses, non2xx = anything outside 200-299) on the KILN_RESULT line.
--
-- Usage: wrk -t2 -c32 -d20s --latency -s bench/wrk/create_observation.lua http://HOST:PORT/fhir/Observation
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/fhir+json"
wrk.headers["Accept"] = "application/fhir+json"
wrk.body = [[
{"resourceType":"Observation",
 "meta":{"profile":["http://hl7.org/fhir/StructureDefinition/vitalsigns","http://hl7.org/fhir/StructureDefinition/heartrate"]},
 "status":"final",
 "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs","display":"Vital Signs"}],"text":"Vital Signs"}],
 "code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}],"text":"Heart rate"},
 "subject":{"reference":"Patient/example","display":"Amy V. Shaw"},
 "encounter":{"reference":"Encounter/example"},
 "effectiveDateTime":"2024-09-17T10:15:00+02:00",
 "issued":"2024-09-17T10:16:03.123+02:00",
 "performer":[{"reference":"Practitioner/example","display":"Dr. Adam Careful"}],
 "valueQuantity":{"value":72,"unit":"beats/minute","system":"http://unitsofmeasure.org","code":"/min"},
 "interpretation":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":"N","display":"Normal"}]}],
 "referenceRange":[{"low":{"value":60,"unit":"beats/minute","system":"http://unitsofmeasure.org","code":"/min"},"high":{"value":100,"unit":"beats/minute","system":"http://unitsofmeasure.org","code":"/min"},"text":"normal adult resting"}]}
]]

created, other2xx, non2xx = 0, 0, 0

setup = common.setup

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status >= 200 and status < 300 then
    other2xx = other2xx + 1
  else
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local ok = common.sum("created")
  common.report(summary, latency, {
    { "created", ok },
    { "created_per_s", string.format("%.1f", ok / (summary.duration / 1e6)) },
    { "other2xx", common.sum("other2xx") },
    { "non2xx", common.sum("non2xx") },
  })
end
