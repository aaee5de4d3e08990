#pragma once
// GET and HEAD /media/<uuid>.<ext>: the media the store names. A media in a local file is sent
// from it (http::file_response: Range, ETag); a media the store keeps elsewhere (an object store)
// is answered with a 307 redirect to the URL locate() gives (a presigned URL, asked for afresh on
// every request, so a media URL keeps working for the media's whole life while each redirect
// target expires), with Cache-Control: no-store; the client sends its Range to that URL. Unknown
// or expired media: 404 mediaNotFound. `answered`, when given, receives the status and the body
// length (for the access log).
#include "api/http/file_response.hpp"
#include "api/http/types.hpp"
#include "delivery/media_store.hpp"

namespace vidserve::api {

// `extra` (CORS headers) goes on every answer; `answered`, when given, receives the status and
// the body length.
http::bhttp::message_generator media_response(const http::Request& req, delivery::MediaStore& store,
                                              const http::HeaderList& extra = {},
                                              http::Answered* answered = nullptr);

}  // namespace vidserve::api
