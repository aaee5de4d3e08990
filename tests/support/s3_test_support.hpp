#pragma once
// For the tests that use the S3 test server (tests/support/s3-test-server, CTest fixture
// s3_server): its endpoint, bucket and credentials, a fresh key prefix per test, faults injected
// into its answers, and the AWS SDK for JavaScript as an independent client (tests/s3/sdk.mjs).
#include <string>
#include <vector>

#include "common/result.hpp"
#include "fetch/s3_signing.hpp"

namespace vidserve::testing {

// The endpoint from the file VIDSERVE_TEST_S3_URL_FILE names; "" when unset or unreadable.
std::string s3_test_endpoint();
// The test server's bucket (vidserve-test, us-east-1) at s3_test_endpoint().
fetch::S3Bucket s3_test_bucket();
// S3RVER / S3RVER.
fetch::S3Credentials s3_test_credentials();
// "t-<uuid>": keys under it belong to one test.
std::string unique_s3_prefix();

// The next `count` requests whose path starts with /vidserve-test/<key_prefix> answer `status`
// (0: the connection is closed without an answer).
void inject_s3_faults(const std::string& key_prefix, int status, int count);

// Runs `node tests/s3/sdk.mjs args...`; its stdout, or an error with its stderr.
Result<std::string> run_sdk(const std::vector<std::string>& args);

}  // namespace vidserve::testing
