"""The corpus's cases about request bodies: malformed JSON, wrong types, out-of-range values,
unknown and huge names, oversized arrays, bad UUIDs, auth, SSRF URLs and data URIs."""
import base64
import json
import struct
import zlib

from hostile_cases_lib import *  # noqa: F401,F403 (add, rw, kl, am, constants)

# ---- malformed JSON ---------------------------------------------------------------------------

MALFORMED = [
    ("empty body", ""),
    ("whitespace only", "   \n\t "),
    ("truncated array", '[{"taskType": "ping"'),
    ("truncated object", '{"a": '),
    ("truncated string", '{"a": "abc'),
    ("unterminated escape", '{"a": "\\'),
    ("lone bracket", "["),
    ("lone brace", "{"),
    ("trailing comma", '{"a": 1,}'),
    ("single quotes", "{'a': 1}"),
    ("unquoted key", "{a: 1}"),
    ("comment", '{"a": 1 // c\n}'),
    ("NaN", '{"a": NaN}'),
    ("Infinity", '{"a": Infinity}'),
    ("negative Infinity", '{"a": -Infinity}'),
    ("hex number", '{"a": 0x10}'),
    ("leading zero", '{"a": 012}'),
    ("plus sign", '{"a": +1}'),
    ("raw newline in string", '{"a": "x\ny"}'),
    ("raw control character", '{"a": "x\x01y"}'),
    ("raw NUL byte", '{"a": "x\x00y"}'),
    ("trailing garbage", '{"a": 1} x'),
    ("two documents", '{"a": 1}{"b": 2}'),
    ("bad escape", '{"a": "\\q"}'),
    ("short unicode escape", '{"a": "\\u12"}'),
    ("missing colon", '{"a" 1}'),
    ("deep array nesting", [{"repeat": "[", "times": 100000}]),
    ("deep object nesting", [{"repeat": '{"a":', "times": 100000}]),
]
INVALID_BYTES = [
    ("invalid UTF-8 byte", '{"a": "', "ff", '"}'),
    ("overlong UTF-8 slash", '{"a": "', "c0af", '"}'),
    ("UTF-8 surrogate half", '{"a": "', "eda080", '"}'),
    ("truncated UTF-8 sequence", '{"a": "', "e282", '"}'),
    ("UTF-8 beyond U+10FFFF", '{"a": "', "f4908080", '"}'),
    ("Latin-1 key", '{"', "e9", '": 1}'),
]


def malformed(api, path, expect):
    for name, text in MALFORMED:
        add("malformed-json", f"{api}: {name}", "POST", path, expect(), body=text)
    for name, before, hexed, after in INVALID_BYTES:
        add("malformed-json", f"{api}: {name}", "POST", path, expect(), body=[before, {"hex": hexed}, after])
    add("malformed-json", f"{api}: 10 MB of digits in one number", "POST", path, expect(max_bytes=SMALL_REPLY),
        body=big("[", "", times=BIG, fill="9"))


malformed("runware", "/v1", lambda **m: rw(400, "invalidJSON", **m))
malformed("kling", T2V, lambda **m: kl(400, 1200, **m))
malformed("apimart", GEN, lambda **m: am(400, "invalid_json", "invalid_request_error", **m))

# Well-formed JSON that is not what each API takes at the top level.
for text, rw_code in (("null", "invalidType"), ("true", "invalidType"), ('"videoInference"', "invalidType"),
                      ("123", "invalidType"), ("[]", "invalidTaskCount"), ("{}", "missingParameter"),
                      ("[[]]", "invalidType"), ("[null]", "invalidType"), ("[1e999]", "invalidType"),
                      ("[-1e999]", "invalidType"), ("[123456789012345678901234567890]", "invalidType")):
    add("malformed-json", f"runware: top level {text}", "POST", "/v1", rw(400, rw_code), body=text)
for text in ("null", "[]", "[{}]", '"text"', "42", "1e999"):
    add("malformed-json", f"kling: top level {text}", "POST", T2V, kl(400, 1200), body=text)
    add("malformed-json", f"apimart: top level {text}", "POST", GEN,
        am(400, "invalid_json", "invalid_request_error"), body=text)

# A byte-order mark, duplicate keys and huge numbers inside otherwise valid tasks.
add("malformed-json", "runware: byte-order mark", "POST", "/v1", rw(400, "invalidJSON"),
    body=[{"hex": "efbbbf"}, '[{"taskType": "ping"}]'])
add("malformed-json", "kling: byte-order mark", "POST", T2V, kl(400, 1200), body=[{"hex": "efbbbf"}, "{}"])
add("malformed-json", "apimart: byte-order mark", "POST", GEN, am(400, "invalid_json", "invalid_request_error"),
    body=[{"hex": "efbbbf"}, "{}"])
add("malformed-json", "runware: duplicate taskType, the last one counts", "POST", "/v1",
    rw(400, "unsupportedTaskType", parameter="taskType"),
    body='[{"taskType": "ping", "taskType": "nonsense"}]')
add("malformed-json", "kling: duplicate prompt keys, the last one (a number) counts", "POST", T2V,
    kl(400, 1201, parameter="prompt"), body='{"prompt": "a cat", "prompt": 5}')
add("malformed-json", "apimart: duplicate model keys, the last one counts", "POST", GEN,
    am(400, "invalid_parameter", "invalid_request_error", parameter="model"),
    body='{"model": "kling-v2-6", "model": "kling-nope", "prompt": "a cat"}')
for number, name in (("1e999", "overflowing"), ("-1e999", "negative overflowing"),
                     ("123456789012345678901234567890", "30-digit"), ("1e-999", "underflowing"),
                     ("18446744073709551616", "2^64")):
    add("malformed-json", f"runware: {name} duration", "POST", "/v1",
        rw(400, "unsupportedDuration", parameter="duration"),
        body=[json.dumps(video_task())[:-2] + ', "duration": ' + number + "}]"])
    add("malformed-json", f"kling: {name} duration", "POST", T2V, kl(400, 1201, parameter="duration"),
        body=['{"prompt": "a cat", "duration": ' + number + "}"])
    add("malformed-json", f"apimart: {name} duration", "POST", GEN,
        am(400, "invalid_parameter", "invalid_request_error", parameter="duration"),
        body=['{"model": "kling-v2-6", "prompt": "a cat", "duration": ' + number + "}"])

# ---- wrong types ------------------------------------------------------------------------------

RUNWARE_FIELDS = {
    "taskUUID": 5, "model": 5, "positivePrompt": 5, "negativePrompt": ["x"], "duration": "5", "width": "1280",
    "height": True, "fps": {}, "seed": [], "numberResults": "1", "outputType": True, "outputFormat": 5,
    "outputQuality": "high", "webhookURL": 1, "includeCost": "yes", "ttl": "60", "inputs": 5,
    "providerSettings": [], "deliveryMethod": 4, "CFGScale": "a",
}
for field, value in RUNWARE_FIELDS.items():
    add("wrong-type", f"runware: {field} as {type(value).__name__}", "POST", "/v1",
        rw(400, "invalidType", parameter=field), body={"json": video_task(**{field: value})})
RUNWARE_NESTED = {
    "inputs.frameImages": {"frameImages": "x"}, "inputs.referenceImages": {"referenceImages": {}},
    "inputs.frameImages[0]": {"frameImages": [5]}, "inputs.frameImages[0].image": {"frameImages": [{"image": 5}]},
    "inputs.referenceImages[0]": {"referenceImages": [True]}, "inputs.video": {"video": 5},
    "inputs.audio": {"audio": []}, "inputs.image": {"image": {}},
}
for path, inputs in RUNWARE_NESTED.items():
    add("wrong-type", f"runware: {path} of the wrong type", "POST", "/v1", rw(400, "invalidType", parameter=path),
        body={"json": video_task(inputs=inputs)})
for path, settings in (("providerSettings.klingai", {"klingai": 5}),
                       ("providerSettings.klingai.sound", {"klingai": {"sound": "on"}}),
                       ("providerSettings.klingai.multiPrompt", {"klingai": {"multiPrompt": "x"}})):
    add("wrong-type", f"runware: {path} of the wrong type", "POST", "/v1", rw(400, "invalidType", parameter=path),
        body={"json": video_task(providerSettings=settings)})
add("wrong-type", "runware: frame position as a number", "POST", "/v1",
    rw(400, "invalidValue", parameter="inputs.frameImages[0].frame"),
    body={"json": video_task(inputs={"frameImages": [{"image": "https://img.example/a.png", "frame": 1}]})})
add("wrong-type", "runware: taskType as a number", "POST", "/v1", rw(400, "invalidType", parameter="taskType"),
    body={"json": [{"taskType": 5}]})
add("wrong-type", "runware: getResponse taskUUID as a number", "POST", "/v1",
    rw(400, "missingParameter", parameter="taskUUID"), body={"json": [{"taskType": "getResponse", "taskUUID": 5}]})
add("wrong-type", "runware: imageUpload image as a number", "POST", "/v1",
    rw(400, "missingParameter", parameter="image"),
    body={"json": [{"taskType": "imageUpload", "taskUUID": next_uuid(), "image": 5}]})
add("wrong-type", "runware: authentication apiKey as a number", "POST", "/v1",
    rw(401, "missingApiKey"), body={"json": [{"taskType": "authentication", "apiKey": 5}]}, headers=[JSON_CT])

KLING_FIELDS = {
    "model_name": 5, "mode": [], "prompt": 5, "negative_prompt": {}, "cfg_scale": "high", "duration": [5],
    "aspect_ratio": 16, "sound": True, "callback_url": 7, "external_task_id": 1, "multi_shot": "maybe",
    "watermark_info": "off", "camera_control": 5,
}
KLING_CODES = {"multi_shot": "invalidType"}
for field, value in KLING_FIELDS.items():
    add("wrong-type", f"kling text2video: {field} as {type(value).__name__}", "POST", T2V,
        kl(400, 1201, parameter=field), body={"json": t2v(**{field: value})})
for field, value, product in (("image", 5, "image2video"), ("image_tail", [], "image2video"),
                              ("image_list", "x", "omni-video"), ("image_list[0]", 5, "omni-video"),
                              ("image_list[0].image_url", 5, "omni-video"), ("video_list", {}, "omni-video"),
                              ("video_list[0].video_url", 5, "omni-video"), ("input", "x", "lip-sync"),
                              ("input.video_url", 5, "lip-sync"), ("sound_file", 5, "avatar/image2video"),
                              ("image_list[0].image", 5, "multi-image2video"), ("multi_prompt", "x", "text2video")):
    body = {"prompt": "a cat walks"}
    root = field.split("[")[0].split(".")[0]
    if field == "image_tail":
        body.update(model_name="kling-v2-6", mode="pro", image="https://img.example/a.png", image_tail=value)
    elif field == "image":
        body["image"] = value
    elif field.startswith("image_list[0].image_url"):
        body["image_list"] = [{"image_url": value}]
    elif field.startswith("image_list[0].image"):
        body.update(model_name="kling-v1-6", image_list=[{"image": value}])
    elif field == "image_list[0]":
        body["image_list"] = [value]
    elif field == "video_list[0].video_url":
        body["video_list"] = [{"video_url": value}]
    elif field == "input.video_url":
        body = {"input": {"video_url": value, "audio_url": "https://a.example/x.mp3"}}
    elif field == "multi_prompt":
        body.update(model_name="kling-v3", multi_shot=True, shot_type="customize", multi_prompt=value)
    else:
        body[root] = value
    add("wrong-type", f"kling {product}: {field} of the wrong type", "POST", "/v1/videos/" + product,
        kl(400, 1201, parameter=field), body={"json": body})

APIMART_FIELDS = {"model": 5, "prompt": 5, "negative_prompt": [], "mode": 1, "aspect_ratio": 1.5,
                  "duration": "five", "image_urls": "https://img.example/a.png", "audio": "yes", "watermark": "no"}
for field, value in APIMART_FIELDS.items():
    add("wrong-type", f"apimart: {field} as {type(value).__name__}", "POST", GEN,
        am(400, "invalid_parameter", "invalid_request_error", parameter=field), body={"json": gen(**{field: value})})
for index in (0, 1):
    urls = ["https://img.example/a.png", "https://img.example/b.png"]
    urls[index] = 7
    add("wrong-type", f"apimart: image_urls[{index}] as a number", "POST", GEN,
        am(400, "invalid_parameter", "invalid_request_error", parameter=f"image_urls[{index}]"),
        body={"json": gen(image_urls=urls)})

# ---- out-of-range values ----------------------------------------------------------------------

for field, value, code in (("duration", 0, "unsupportedDuration"), ("duration", -5, "unsupportedDuration"),
                           ("duration", 1e308, "unsupportedDuration"), ("duration", 16, "unsupportedDuration"),
                           ("width", 0, "unsupportedDimensions"), ("width", -1280, "unsupportedDimensions"),
                           ("width", 100000, "unsupportedDimensions"), ("height", 2**31, "unsupportedDimensions"),
                           ("fps", 0, "invalidValue"), ("fps", 999, "invalidValue"), ("seed", -1, "valueOutOfRange"),
                           ("seed", 2**64, "invalidType"), ("numberResults", 0, "valueOutOfRange"),
                           ("numberResults", 1000, "valueOutOfRange"), ("ttl", 0, "valueOutOfRange"),
                           ("outputQuality", 0, "valueOutOfRange"), ("outputQuality", 101, "valueOutOfRange"),
                           ("positivePrompt", "", "invalidLength"), ("positivePrompt", "x" * 3000, "invalidLength"),
                           ("outputFormat", "GIFV", "invalidValue"), ("outputType", "carrierPigeon", "invalidValue"),
                           ("deliveryMethod", "fax", "invalidValue"), ("webhookURL", "ftp://hooks.example/x", "invalidURL"),
                           ("webhookURL", "http://", "invalidURL")):
    add("out-of-range", f"runware: {field} = {json.dumps(value)[:24]}", "POST", "/v1",
        rw(400, code, parameter=field), body={"json": video_task(**{field: value})})
for value in (-1, 50):
    add("out-of-range", f"runware: CFGScale = {value} on Kling 1.0", "POST", "/v1",
        rw(400, "valueOutOfRange", parameter="CFGScale"), body={"json": video_task(model="klingai:1@1", CFGScale=value)})
for field, value in (("duration", "0"), ("duration", "-5"), ("duration", "7"), ("duration", "1e308"),
                     ("cfg_scale", -1), ("cfg_scale", 5), ("aspect_ratio", "4:3"), ("aspect_ratio", "16:9:1"),
                     ("sound", "loud"), ("mode", "ultra"), ("model_name", "kling-v0"), ("prompt", ""),
                     ("prompt", "x" * 3000), ("negative_prompt", "x" * 3000), ("callback_url", "ftp://x"),
                     ("callback_url", "javascript:alert(1)"), ("multi_shot", "sometimes")):
    add("out-of-range", f"kling text2video: {field} = {json.dumps(value)[:24]}", "POST", T2V,
        kl(400, 1201, parameter=field), body={"json": t2v(**{field: value})})
for field, value in (("duration", 0), ("duration", -5), ("duration", 7), ("duration", 1e308), ("mode", "ultra"),
                     ("aspect_ratio", "4:3"), ("model", "kling-v0"), ("prompt", ""), ("prompt", "x" * 3000),
                     ("negative_prompt", "x" * 3000)):
    add("out-of-range", f"apimart: {field} = {json.dumps(value)[:24]}", "POST", GEN,
        am(400, "invalid_parameter", "invalid_request_error", parameter=field), body={"json": gen(**{field: value})})
add("out-of-range", "apimart: three image_urls", "POST", GEN,
    am(400, "invalid_parameter", "invalid_request_error", parameter="image_urls"),
    body={"json": gen(image_urls=["https://img.example/a.png"] * 3)})
add("out-of-range", "apimart: a last frame without mode pro", "POST", GEN,
    am(400, "invalid_parameter", "invalid_request_error", parameter="image_urls[1]"),
    body={"json": gen(mode="std", image_urls=["https://img.example/a.png", "https://img.example/b.png"])})
add("out-of-range", "kling image2video: image_tail on 2.6 std", "POST", I2V, kl(400, 1201, parameter="image_tail"),
    body={"json": {"model_name": "kling-v2-6", "image": "https://img.example/a.png",
                   "image_tail": "https://img.example/b.png", "prompt": "a cat"}})
for name, query in (("pageNum 0", "pageNum=0"), ("pageNum -1", "pageNum=-1"), ("pageSize 501", "pageSize=501"),
                    ("pageSize 1e3", "pageSize=1e3"), ("pageNum huge", "pageNum=99999999999999999999999"),
                    ("pageSize empty", "pageSize=")):
    add("out-of-range", f"kling list: {name}", "GET", T2V + "?" + query, kl(400, 1201, parameter=query.split("=")[0]),
        headers=[BEARER_A])

# ---- unknown names, short and 9 MB long -------------------------------------------------------

for name, segments, parameter, code in (
        ("taskType", big('[{"taskType": "', '"}]'), "taskType", "unsupportedTaskType"),
        ("model", big(json.dumps(video_task())[:-2] + ', "model": "', '"}]'), "model", "unknownModel"),
        ("model with a known prefix", big(json.dumps(video_task())[:-2] + ', "model": "klingai:', '"}]'), "model",
         "unknownModel"),
        ("outputFormat", big(json.dumps(video_task())[:-2] + ', "outputFormat": "', '"}]'), "outputFormat",
         "invalidValue"),
        ("outputType", big(json.dumps(video_task())[:-2] + ', "outputType": "', '"}]'), "outputType", "invalidValue"),
        ("unknown field name", big(json.dumps(video_task())[:-2] + ', "', '": 1}]'), None, "unknownParameter"),
        ("taskUUID", big('[{"taskType": "videoInference", "taskUUID": "', '"}]'), "taskUUID", "invalidUUID"),
        ("getResponse taskUUID", big('[{"taskType": "getResponse", "taskUUID": "', '"}]'), None, "taskNotFound"),
        ("frame", big(json.dumps(video_task())[:-2] + ', "inputs": {"frameImages": [{"image": '
                      '"https://img.example/a.png", "frame": "', '"}]}}]'), "inputs.frameImages[0].frame", "invalidValue"),
        ("klingai setting name", big(json.dumps(video_task())[:-2] + ', "providerSettings": {"klingai": {"',
                                     '": 1}}}]'), None, "unknownParameter"),
        ("prompt", big(json.dumps(video_task())[:-2] + ', "positivePrompt": "', '"}]'), "positivePrompt",
         "invalidLength")):
    status = 404 if code == "taskNotFound" else 400
    add("unknown-name", f"runware: 9 MB {name}", "POST", "/v1", rw(status, code, parameter=parameter,
                                                                   max_bytes=SMALL_REPLY), body=segments)
for name, value, parameter, code in (("taskType", "videoInferenc", "taskType", "unsupportedTaskType"),
                                      ("taskType", "", "taskType", "missingParameter"),
                                      ("taskType", "imageinference", "taskType", "unsupportedTaskType"),
                                      ("taskType", "authentication ", "taskType", "unsupportedTaskType")):
    add("unknown-name", f"runware: taskType {json.dumps(value)}", "POST", "/v1",
        rw(400, code, parameter=parameter), body={"json": [{"taskType": value, "taskUUID": next_uuid()}]})
for model in ("klingai:nope", "klingai:kling-video@3-pro-", "runware:100@1", "KLINGAI:KLING-VIDEO@3-PRO", "a" * 300):
    add("unknown-name", f"runware: model {model[:30]}", "POST", "/v1", rw(400, "unknownModel", parameter="model"),
        body={"json": video_task(model=model)})
for field in ("model_name", "mode", "aspect_ratio", "sound", "duration", "shot_type"):
    body = ['{"model_name": "kling-v3", "prompt": "a cat", "multi_shot": true, "multi_prompt": '
            '[{"index": 1, "prompt": "x", "duration": "5"}], "' + field + '": "', {"repeat": "z", "times": BIG}, '"}']
    if field != "shot_type":
        body[0] = body[0].replace('"multi_shot": true, "multi_prompt": [{"index": 1, "prompt": "x", "duration": "5"}], ', "")
    add("unknown-name", f"kling text2video: 9 MB {field}", "POST", T2V,
        kl(400, 1201, parameter=field, max_bytes=SMALL_REPLY), body=body)
add("unknown-name", "kling text2video: 9 MB unknown field name", "POST", T2V,
    kl(400, 1201, max_bytes=SMALL_REPLY), body=big('{"prompt": "a cat", "', '": 1}'))
add("unknown-name", "kling text2video: 9 MB external_task_id", "POST", T2V,
    kl(400, 1201, parameter="external_task_id", max_bytes=SMALL_REPLY),
    body=big('{"prompt": "a cat", "external_task_id": "', '"}'))
add("unknown-name", "kling image2video: 9 MB image", "POST", I2V,
    kl(400, 1201, parameter="image", max_bytes=SMALL_REPLY), body=big('{"prompt": "a cat", "image": "ftp://', '"}'))
for field in ("model", "mode", "aspect_ratio"):
    add("unknown-name", f"apimart: 9 MB {field}", "POST", GEN,
        am(400, "invalid_parameter", "invalid_request_error", parameter=field, max_bytes=SMALL_REPLY),
        body=big('{"model": "kling-v2-6", "prompt": "a cat", "' + field + '": "', '"}'))
add("unknown-name", "apimart: 9 MB unknown field name", "POST", GEN,
    am(400, "invalid_parameter", "invalid_request_error", max_bytes=SMALL_REPLY),
    body=big('{"model": "kling-v2-6", "prompt": "a cat", "', '": 1}'))
add("unknown-name", "apimart: 9 MB image_urls[0] with a bad scheme", "POST", GEN,
    am(400, "invalid_parameter", "invalid_request_error", parameter="image_urls[0]", max_bytes=SMALL_REPLY),
    body=big('{"model": "kling-v2-6", "prompt": "a cat", "image_urls": ["gopher://', '"]}'))
for model in ("kling-v9", "KLING-V2-6", "kling-v2-6 ", "gpt-4"):
    add("unknown-name", f"kling text2video: model_name {model!r}", "POST", T2V,
        kl(400, 1201, parameter="model_name"), body={"json": t2v(model_name=model)})
    add("unknown-name", f"apimart: model {model!r}", "POST", GEN,
        am(400, "invalid_parameter", "invalid_request_error", parameter="model"), body={"json": gen(model=model)})

# ---- oversized arrays and strings -------------------------------------------------------------

add("oversized", "runware: 101 tasks in one request", "POST", "/v1", rw(400, "invalidTaskCount"),
    body={"json": [{"taskType": "ping"}] * 101})
add("oversized", "runware: 200000 tasks in one request", "POST", "/v1", rw(400, "invalidTaskCount",
                                                                           max_bytes=SMALL_REPLY),
    body=["[", {"repeat": '{"taskType":"ping"},', "times": 200000}, '{"taskType":"ping"}]'])
add("oversized", "runware: 100000 frameImages", "POST", "/v1",
    rw(400, "maxItemsExceeded", parameter="inputs.frameImages", max_bytes=SMALL_REPLY),
    body=[json.dumps(video_task())[:-2] + ', "inputs": {"frameImages": [',
          {"repeat": '{"image": "https://img.example/a.png"},', "times": 100000}, '{"image": "x"}]}}]'])
add("oversized", "runware: 100000 referenceImages", "POST", "/v1",
    rw(400, "unsupportedInput", parameter="inputs.referenceImages", max_bytes=SMALL_REPLY),
    body=[json.dumps(video_task())[:-2] + ', "inputs": {"referenceImages": [',
          {"repeat": '"https://img.example/a.png",', "times": 100000}, '"x"]}}]'])
add("oversized", "runware: 100000 multiPrompt shots", "POST", "/v1",
    rw(400, "maxItemsExceeded", max_bytes=SMALL_REPLY),
    body=[json.dumps(video_task())[:-2] + ', "providerSettings": {"klingai": {"multiPrompt": [',
          {"repeat": '{"prompt": "x", "duration": 1},', "times": 100000}, '{"prompt": "x", "duration": 1}]}}}]'])
add("oversized", "runware: 9 MB negativePrompt", "POST", "/v1",
    rw(400, "invalidLength", parameter="negativePrompt", max_bytes=SMALL_REPLY),
    body=big(json.dumps(video_task())[:-2] + ', "negativePrompt": "', '"}]'))
add("oversized", "runware: 9 MB webhookURL", "POST", "/v1", rw(400, "invalidURL", parameter="webhookURL",
                                                              max_bytes=SMALL_REPLY),
    body=big(json.dumps(video_task())[:-2] + ', "webhookURL": "https://', '"}]'))
add("oversized", "runware: 9 MB imageUpload of non-image base64", "POST", "/v1",
    rw(400, "invalidInput", parameter="image", max_bytes=SMALL_REPLY),
    body=big('[{"taskType": "imageUpload", "taskUUID": "' + next_uuid() + '", "image": "', '"}]', fill="A"))
add("oversized", "runware: a 2 MB key in an array", "POST", "/v1", rw(400, "unknownParameter",
                                                                     max_bytes=SMALL_REPLY),
    body=big(json.dumps(video_task())[:-2] + ', "inputs": {"', '": []}}]', times=2_000_000))
add("oversized", "kling text2video: 9 MB prompt", "POST", T2V,
    kl(400, 1201, parameter="prompt", max_bytes=SMALL_REPLY), body=big('{"prompt": "', '"}'))
add("oversized", "kling text2video: 9 MB negative_prompt", "POST", T2V,
    kl(400, 1201, parameter="negative_prompt", max_bytes=SMALL_REPLY),
    body=big('{"prompt": "a cat", "negative_prompt": "', '"}'))
add("oversized", "kling text2video: 9 MB callback_url", "POST", T2V,
    kl(400, 1201, parameter="callback_url", max_bytes=SMALL_REPLY),
    body=big('{"prompt": "a cat", "callback_url": "https://', '"}'))
add("oversized", "kling multi-image2video: 100000 images", "POST", "/v1/videos/multi-image2video",
    kl(400, 1201, max_bytes=SMALL_REPLY),
    body=['{"model_name": "kling-v1-6", "prompt": "a cat", "image_list": [',
          {"repeat": '{"image": "https://img.example/a.png"},', "times": 100000}, '{"image": "x"}]}'])
add("oversized", "kling omni-video: 100000 image_list entries", "POST", "/v1/videos/omni-video",
    kl(400, 1201, max_bytes=SMALL_REPLY),
    body=['{"prompt": "a cat", "image_list": [',
          {"repeat": '{"image_url": "https://img.example/a.png"},', "times": 100000}, '{"image_url": "x"}]}'])
add("oversized", "kling omni-video: 1000 video_list entries", "POST", "/v1/videos/omni-video",
    kl(400, 1201, parameter="video_list", max_bytes=SMALL_REPLY),
    body=['{"prompt": "a cat", "video_list": [',
          {"repeat": '{"video_url": "https://v.example/a.mp4"},', "times": 1000}, '{"video_url": "x"}]}'])
add("oversized", "kling text2video: 100000 multi_prompt shots", "POST", T2V, kl(400, 1201, max_bytes=SMALL_REPLY),
    body=['{"model_name": "kling-v3", "multi_shot": true, "shot_type": "customize", "multi_prompt": [',
          {"repeat": '{"index": 1, "prompt": "x", "duration": "1"},', "times": 100000},
          '{"index": 1, "prompt": "x", "duration": "1"}]}'])
add("oversized", "apimart: 100000 image_urls", "POST", GEN,
    am(400, "invalid_parameter", "invalid_request_error", parameter="image_urls", max_bytes=SMALL_REPLY),
    body=['{"model": "kling-v2-6", "prompt": "a cat", "mode": "pro", "image_urls": [',
          {"repeat": '"https://img.example/a.png",', "times": 100000}, '"x"]}'])
add("oversized", "apimart: 9 MB prompt", "POST", GEN,
    am(400, "invalid_parameter", "invalid_request_error", parameter="prompt", max_bytes=SMALL_REPLY),
    body=big('{"model": "kling-v2-6", "prompt": "', '"}'))
add("oversized", "apimart: 9 MB negative_prompt", "POST", GEN,
    am(400, "invalid_parameter", "invalid_request_error", parameter="negative_prompt", max_bytes=SMALL_REPLY),
    body=big('{"model": "kling-v2-6", "prompt": "a cat", "negative_prompt": "', '"}'))

# ---- bad UUIDs --------------------------------------------------------------------------------

for name, value in (("empty", ""), ("not a UUID", "not-a-uuid"), ("version 1", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
                    ("no dashes", "5f0c8a2e4b1d4c3e9a7f000000000001"), ("braces", "{5f0c8a2e-4b1d-4c3e-9a7f-000000000001}"),
                    ("too long", "5f0c8a2e-4b1d-4c3e-9a7f-0000000000011"), ("non-hex", "5f0c8a2e-4b1d-4c3e-9a7f-00000000000g"),
                    ("urn", "urn:uuid:5f0c8a2e-4b1d-4c3e-9a7f-000000000001"), ("NUL inside", "5f0c8a2e-4b1d-4c3e\u0000-9a7f-000000000001"),
                    ("path traversal", "../../etc/passwd"), ("SQL", "' OR '1'='1")):
    code = "missingParameter" if value == "" else "invalidUUID"
    if name == "version 1":
        # Any UUID version is accepted (docs/validation.md): Runware's documented examples use v1 UUIDs.
        add("bad-uuid", f"runware: videoInference taskUUID {name}", "POST", "/v1",
            {"status": 200, "api": "runware", "code": None}, body={"json": video_task(taskUUID=value)})
        continue
    add("bad-uuid", f"runware: videoInference taskUUID {name}", "POST", "/v1", rw(400, code, parameter="taskUUID"),
        body={"json": video_task(taskUUID=value)})
for name, value in (("not a UUID", "not-a-uuid"), ("SQL", "' OR '1'='1"), ("path traversal", "../../etc/passwd"),
                    ("unknown v4", "0b6e9d46-3c41-4a8e-9d4c-1f2b3c4d5e6f")):
    add("bad-uuid", f"runware: getResponse taskUUID {name}", "POST", "/v1", rw(404, "taskNotFound"),
        body={"json": [{"taskType": "getResponse", "taskUUID": value}]})
add("bad-uuid", "runware: getResponse without taskUUID", "POST", "/v1",
    rw(400, "missingParameter", parameter="taskUUID"), body={"json": [{"taskType": "getResponse"}]})
add("bad-uuid", "runware: the same taskUUID twice in one request, for different requests (the second is refused)",
    "POST", "/v1", rw(200, "duplicateTaskUUID", parameter="taskUUID"),
    body={"json": video_task(taskUUID=UUID.format(999999)) +
          video_task(taskUUID=UUID.format(999999), positivePrompt="another request")})
for name, target in (("unknown", "0b6e9d46-3c41-4a8e-9d4c-1f2b3c4d5e6f"), ("garbage", "zzz"),
                     ("encoded slash", "a%2F..%2F..%2Fetc"), ("12 KB id", ["", {"repeat": "9", "times": 12000}]), ("SQL", "'%20OR%201=1")):
    path = [T2V + "/"] + target if isinstance(target, list) else f"{T2V}/{target}"
    add("bad-uuid", f"kling: GET text2video task {name}", "GET", path,
        kl(404, 1203, max_bytes=SMALL_REPLY), headers=[BEARER_A])
    path = ["/v1/tasks/"] + target if isinstance(target, list) else f"/v1/tasks/{target}"
    add("bad-uuid", f"apimart: GET task {name}", "GET", path,
        am(404, "task_not_found", "invalid_request_error", parameter="task_id", max_bytes=SMALL_REPLY),
        headers=[BEARER_A])
add("bad-uuid", "apimart: GET task_ prefix alone", "GET", "/v1/tasks/task_",
    am(404, "task_not_found", "invalid_request_error", parameter="task_id"), headers=[BEARER_A])
add("bad-uuid", "kling: external_task_id query for an unknown id", "GET", T2V + "?external_task_id=nope",
    {"status": 200, "api": "kling", "code": 0}, headers=[BEARER_A])

# ---- authentication ---------------------------------------------------------------------------

PING = {"json": [{"taskType": "ping"}]}
for name, headers, status, code in (
        ("no Authorization", [JSON_CT], 401, "missingApiKey"),
        ("wrong key", [["Authorization", "Bearer not-a-key"], JSON_CT], 401, "invalidApiKey"),
        ("Bearer with nothing", [["Authorization", "Bearer"], JSON_CT], 401, "missingApiKey"),
        ("Bearer and spaces", [["Authorization", "Bearer    "], JSON_CT], 401, "missingApiKey"),
        ("Basic scheme", [["Authorization", "Basic dGVzdC1rZXktYWxwaGE6"], JSON_CT], 401, "missingApiKey"),
        ("key without scheme", [["Authorization", "${KEY_A}"], JSON_CT], 401, "missingApiKey"),
        ("12 KB key", [["Authorization", ["Bearer ", {"repeat": "k", "times": 12000}]], JSON_CT], 401, "invalidApiKey"),
        ("key with a NUL escape", [["Authorization", "Bearer test-key-alpha%00"], JSON_CT], 401, "invalidApiKey"),
        ("key prefix", [["Authorization", "Bearer test-key-alph"], JSON_CT], 401, "invalidApiKey")):
    add("auth", f"runware: {name}", "POST", "/v1", rw(status, code, max_bytes=SMALL_REPLY), body=PING, headers=headers)
add("auth", "runware: authentication task with a wrong apiKey", "POST", "/v1", rw(401, "invalidApiKey"),
    body={"json": [{"taskType": "authentication", "apiKey": "nope"}]}, headers=[JSON_CT])
add("auth", "runware: authentication task with an empty apiKey and no header", "POST", "/v1",
    rw(401, "missingApiKey"), body={"json": [{"taskType": "authentication", "apiKey": ""}]}, headers=[JSON_CT])
add("auth", "runware: authentication task without apiKey, valid Bearer key", "POST", "/v1",
    {"status": 200, "api": "runware", "code": None}, body={"json": [{"taskType": "authentication"}]})
add("auth", "runware: authentication task's wrong apiKey beats a valid Bearer key", "POST", "/v1",
    rw(401, "invalidApiKey"), body={"json": [{"taskType": "authentication", "apiKey": "nope"}]})
add("auth", "runware: key B reads key A's task", "POST", "/v1", rw(404, "taskNotFound"),
    body={"json": [{"taskType": "getResponse", "taskUUID": "${TASK_RUNWARE_A}"}]},
    headers=[["Authorization", "Bearer ${KEY_B}"], JSON_CT])
add("auth", "runware: key B submits a taskUUID key A used (accepted: uuids are per key)", "POST", "/v1",
    {"status": 200, "api": "runware", "code": None},
    body={"json": [{"taskType": "videoInference", "taskUUID": "${TASK_RUNWARE_A}",
                    "model": "klingai:kling-video@3-standard", "positivePrompt": "a lighthouse at dusk",
                    "duration": 3, "width": 1280, "height": 720}]},
    headers=[["Authorization", "Bearer ${KEY_B}"], JSON_CT])
add("auth", "runware: getResponse of a Kling task", "POST", "/v1", rw(404, "taskNotFound"),
    body={"json": [{"taskType": "getResponse", "taskUUID": "${TASK_KLING_A}"}]})
add("auth", "runware: getResponse of an APIMart task", "POST", "/v1", rw(404, "taskNotFound"),
    body={"json": [{"taskType": "getResponse", "taskUUID": "${TASK_APIMART_A}"}]})

KLING_KEY = {"iss": "ak-client", "secret": "sk-client-secret"}
for name, header, status, code in (
        ("no Authorization", None, 401, 1001),
        ("Bearer with nothing", "Bearer", 401, 1001),
        ("wrong API key", "Bearer not-a-key", 401, 1000),
        ("garbage with two dots", "Bearer a.b.c", 401, 1002),
        ("empty JWT parts", "Bearer ..", 401, 1002),
        ("valid JWT", {"jwt": dict(KLING_KEY)}, 200, 0),
        ("non-canonical signature (= appended)", {"jwt": dict(KLING_KEY, pad="=")}, 401, 1002),
        ("signature with its first character changed", {"jwt": dict(KLING_KEY, pad="flip-first-char")}, 401, 1000),
        ("no exp", {"jwt": dict(KLING_KEY, omit=["exp"])}, 401, 1002),
        ("exp 10 years ahead", {"jwt": dict(KLING_KEY, exp_in=315360000)}, 401, 1002),
        ("expired", {"jwt": dict(KLING_KEY, exp_in=-60)}, 401, 1004),
        ("nbf in the future", {"jwt": dict(KLING_KEY, nbf_in=3600)}, 401, 1003),
        ("alg none, no signature", {"jwt": dict(KLING_KEY, alg="none", pad="drop-signature")}, 401, 1002),
        ("alg none, signed", {"jwt": dict(KLING_KEY, alg="none")}, 401, 1002),
        ("alg HS512", {"jwt": dict(KLING_KEY, alg="HS512")}, 401, 1002),
        ("wrong secret", {"jwt": dict(KLING_KEY, secret="not-the-secret")}, 401, 1000),
        ("unknown access key", {"jwt": dict(KLING_KEY, iss="ak-unknown")}, 401, 1000),
        ("iss as a number", {"jwt": dict(KLING_KEY, iss=5)}, 401, 1002),
        ("exp as a string", {"jwt": dict(KLING_KEY, exp_in="soon")}, 401, 1002),
        ("exp as 1e999", {"jwt": dict(KLING_KEY, exp_in="1e999")}, 401, 1002)):
    headers = [] if header is None else [["Authorization", header]]
    expect = kl(status, code) if status != 200 else {"status": 200, "api": "kling", "code": 0}
    add("auth", f"kling: {name}", "GET", T2V, expect, headers=headers)
add("auth", "kling: key B reads key A's task", "GET", T2V + "/${TASK_KLING_A}", kl(404, 1203),
    headers=[["Authorization", "Bearer ${KEY_B}"]])
add("auth", "kling: other access key reads key A's task", "GET", T2V + "/${TASK_KLING_A}", kl(404, 1203),
    headers=[["Authorization", {"jwt": {"iss": "other-ak", "secret": "other-sk"}}]])
add("auth", "kling: an image2video read of a text2video task", "GET", I2V + "/${TASK_KLING_A}", kl(404, 1203),
    headers=[BEARER_A])
add("auth", "kling: reads a Runware task", "GET", T2V + "/${TASK_RUNWARE_A}", kl(404, 1203), headers=[BEARER_A])
add("auth", "kling: create without a key", "POST", T2V, kl(401, 1001), body={"json": t2v()}, headers=[JSON_CT])
for name, header, code in (("no Authorization", None, "missing_api_key"), ("wrong key", "Bearer nope", "invalid_api_key"),
                           ("Bearer with nothing", "Bearer", "missing_api_key"),
                           ("a Kling JWT", {"jwt": dict(KLING_KEY)}, "invalid_api_key"),
                           ("Basic scheme", "Basic dGVzdA==", "missing_api_key")):
    headers = ([] if header is None else [["Authorization", header]]) + [JSON_CT]
    add("auth", f"apimart: create with {name}", "POST", GEN, am(401, code, "authentication_error"),
        body={"json": gen()}, headers=headers)
    add("auth", f"apimart: read with {name}", "GET", "/v1/tasks/task_${TASK_APIMART_A}",
        am(401, code, "authentication_error"), headers=headers[:-1])
add("auth", "apimart: key B reads key A's task", "GET", "/v1/tasks/task_${TASK_APIMART_A}",
    am(404, "task_not_found", "invalid_request_error"), headers=[["Authorization", "Bearer ${KEY_B}"]])
add("auth", "apimart: reads a Kling task", "GET", "/v1/tasks/task_${TASK_KLING_A}",
    am(404, "task_not_found", "invalid_request_error"), headers=[BEARER_A])
add("auth", "apimart: reads a Runware task", "GET", "/v1/tasks/${TASK_RUNWARE_A}",
    am(404, "task_not_found", "invalid_request_error"), headers=[BEARER_A])

# ---- SSRF and URL inputs ----------------------------------------------------------------------

REFUSED_ADDRESSES = [
    "http://127.0.0.1:1/a.png", "http://127.1/a.png", "http://2130706433/a.png", "http://0x7f000001/a.png",
    "http://0177.0.0.1/a.png", "http://0.0.0.0/a.png", "http://10.0.0.1/a.png", "http://172.16.0.1/a.png",
    "http://192.168.1.1/a.png", "http://100.64.0.1/a.png", "http://169.254.169.254/latest/meta-data/",
    "http://169.254.170.2/v2/credentials", "http://[::1]/a.png", "http://[::ffff:127.0.0.1]/a.png",
    "http://[fd00::1]/a.png", "http://[fe80::1]/a.png", "http://[::]/a.png", "http://224.0.0.1/a.png",
    "http://255.255.255.255/a.png", "http://198.18.0.1/a.png", "https://127.0.0.1:443/a.png",
    "http://user:pass@127.0.0.1/a.png",
]
for url in REFUSED_ADDRESSES:
    add("ssrf", f"runware imageUpload: {url}", "POST", "/v1", rw(400, "addressRefused", parameter="image"),
        body={"json": [{"taskType": "imageUpload", "taskUUID": next_uuid(), "image": url}]})
for url in ("file:///etc/passwd", "gopher://127.0.0.1:70/_x", "ftp://127.0.0.1/a.png", "dict://127.0.0.1:11211/x",
            "ldap://127.0.0.1/x", "jar:http://127.0.0.1!/x", "HTTP://127.0.0.1:1/a.png".replace("HTTP", "FILE")):
    add("ssrf", f"runware imageUpload: {url}", "POST", "/v1", rw(400, "invalidInput", parameter="image"),
        body={"json": [{"taskType": "imageUpload", "taskUUID": next_uuid(), "image": url}]})
    add("ssrf", f"runware videoInference frame: {url}", "POST", "/v1",
        rw(400, "invalidValue", parameter="inputs.frameImages[0].image"),
        body={"json": video_task(inputs={"frameImages": [{"image": url}]})})
    add("ssrf", f"kling image2video image: {url}", "POST", I2V, kl(400, 1201, parameter="image"),
        body={"json": {"model_name": "kling-v1-6", "prompt": "a cat", "image": url}})
    add("ssrf", f"apimart image_urls[0]: {url}", "POST", GEN,
        am(400, "invalid_parameter", "invalid_request_error", parameter="image_urls[0]"),
        body={"json": gen(image_urls=[url])})
add("ssrf", "kling image2video image_tail: file URL", "POST", I2V, kl(400, 1201, parameter="image_tail"),
    body={"json": {"model_name": "kling-v2-6", "mode": "pro", "prompt": "a cat", "image": "https://img.example/a.png",
                   "image_tail": "file:///etc/passwd"}})
add("ssrf", "apimart image_urls[1]: file URL", "POST", GEN,
    am(400, "invalid_parameter", "invalid_request_error", parameter="image_urls[1]"),
    body={"json": gen(image_urls=["https://img.example/a.png", "file:///etc/passwd"])})
add("ssrf", "kling text2video callback_url: gopher", "POST", T2V, kl(400, 1201, parameter="callback_url"),
    body={"json": t2v(callback_url="gopher://127.0.0.1:70/x")})
add("ssrf", "runware webhookURL: file", "POST", "/v1", rw(400, "invalidURL", parameter="webhookURL"),
    body={"json": video_task(webhookURL="file:///etc/passwd")})

# ---- data URIs --------------------------------------------------------------------------------

SVG = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciPjxzY3JpcHQ+YWxlcnQoMSk8L3NjcmlwdD48L3N2Zz4="


def png_bomb(side=50000):
    """A small, valid PNG whose header declares side x side pixels."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b""))
    return base64.b64encode(png).decode()
for name, uri, code in (
        ("bad base64", "data:image/png;base64,!!!!", "invalidInput"),
        ("base64 with spaces inside", "data:image/png;base64,iVBO Rw0K", "invalidImage"),
        ("truncated base64", "data:image/png;base64,iVBORw0KG", "invalidInput"),
        ("empty payload", "data:image/png;base64,", "invalidInput"),
        ("no comma", "data:image/png;base64", "invalidInput"),
        ("text/html", "data:text/html;base64,PGgxPmhpPC9oMT4=", "invalidImage"),
        ("SVG with a script", "data:image/svg+xml;base64," + SVG, "invalidImage"),
        ("SVG declared as PNG", "data:image/png;base64," + SVG, "invalidImage"),
        ("not base64-encoded", "data:image/png,hello", "invalidImage"),
        ("random bytes", "data:image/jpeg;base64,AAECAwQFBgcICQoLDA0ODw==", "invalidImage"),
        ("PNG header declaring 50000x50000", "data:image/png;base64," + png_bomb(), "invalidImage"),
        ("truncated PNG", "data:image/png;base64," + png_bomb(1)[:40], "invalidImage"),
        ("raw base64 of text", "aGVsbG8gd29ybGQ=", "invalidInput")):
    add("data-uri", f"runware imageUpload: {name}", "POST", "/v1", rw(400, code, parameter="image"),
        body={"json": [{"taskType": "imageUpload", "taskUUID": next_uuid(), "image": uri}]})
for name, uri in (("no comma", "data:image/png;base64"), ("no media type", "data:;base64,AAAA"),
                  ("no slash in the media type", "data:png;base64,AAAA")):
    add("data-uri", f"runware frame image: {name}", "POST", "/v1",
        rw(400, "invalidValue", parameter="inputs.frameImages[0].image"),
        body={"json": video_task(inputs={"frameImages": [{"image": uri}]})})
    add("data-uri", f"kling image2video image: {name}", "POST", I2V, kl(400, 1201, parameter="image"),
        body={"json": {"model_name": "kling-v1-6", "prompt": "a cat", "image": uri}})
    add("data-uri", f"kling image2video image_tail: {name}", "POST", I2V, kl(400, 1201, parameter="image_tail"),
        body={"json": {"model_name": "kling-v2-6", "mode": "pro", "prompt": "a cat",
                       "image": "https://img.example/a.png", "image_tail": uri}})
    add("data-uri", f"apimart image_urls[1]: {name}", "POST", GEN,
        am(400, "invalid_parameter", "invalid_request_error", parameter="image_urls[1]"),
        body={"json": gen(image_urls=["https://img.example/a.png", uri])})
