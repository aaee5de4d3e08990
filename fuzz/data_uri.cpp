// Fuzz target: inputs given inline, as data URIs (fetch::decode_data_uri: header, parameters,
// percent-decoding, base64, content sniffing) or as bare base64 (fetch::decode_base64), and the
// content-type helpers. Properties checked: base64 round-trips, a decoded size never exceeds
// max_decoded_size, and a declared media type comes back normalised.
#include "fetch/data_uri.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fetch/base64.hpp"
#include "fetch/content_sniff.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vidserve::fetch;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto blob = decode_data_uri(input); blob) {
    if (blob->content_type.empty() ||
        blob->content_type != normalize_content_type(blob->content_type)) {
      __builtin_trap();
    }
  }
  if (auto bytes = decode_base64(input); bytes) {
    if (bytes->size() > max_decoded_size(input.size())) __builtin_trap();
    auto again = decode_base64(encode_base64(*bytes));
    if (!again || *again != *bytes) __builtin_trap();
  }
  if (auto text = percent_decode(input); text && text->size() > input.size()) __builtin_trap();
  (void)decode_data_uri("data:;base64," + std::string(input));
  (void)sniff_content_type(input);
  (void)normalize_content_type(input);

  // Any bytes survive encode then decode, also as a data URI.
  const auto encoded = encode_base64(input);
  auto decoded = decode_base64(encoded);
  if (!decoded || *decoded != input) __builtin_trap();
  auto uri = decode_data_uri("data:application/octet-stream;base64," + encoded);
  if (!uri || uri->bytes != input || uri->content_type != "application/octet-stream")
    __builtin_trap();
  return 0;
}
