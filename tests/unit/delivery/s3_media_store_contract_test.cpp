// The MediaStore contract (media_store_contract.hpp) on S3MediaStore: objects in the S3 test
// server's bucket (fixture s3_server) under a prefix of their own per test, the index in memory,
// scratch files in a temporary directory. stored() lists both, so the suite sees orphan objects
// as well as forgotten scratch files.
#include <memory>

#include "delivery/s3_media_store.hpp"
#include "media_store_contract.hpp"
#include "s3_test_support.hpp"
#include "store/memory_media_index.hpp"

namespace vidserve::delivery::testing {
namespace {

struct S3OverMemoryIndex {
  ScratchDir dir;
  std::unique_ptr<store::MemoryMediaIndex> index;
  S3Location location{vidserve::testing::s3_test_bucket(),
                      "contract/" + vidserve::testing::unique_s3_prefix()};
  std::unique_ptr<fetch::S3Client> lister;

  std::unique_ptr<MediaStore> make(const Clock& clock, std::uint64_t read_limit) {
    index = std::make_unique<store::MemoryMediaIndex>(clock);
    S3MediaOptions options;
    options.max_read_bytes = read_limit;
    options.credentials = vidserve::testing::s3_test_credentials();
    lister = std::make_unique<fetch::S3Client>(location.bucket, *options.credentials);
    auto opened = S3MediaStore::open(location, *index, dir.path / "scratch", clock, options);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened ? std::move(opened).value() : nullptr;
  }
  // The objects under the test's prefix and the scratch files.
  std::vector<std::string> stored() const {
    auto names = dir.names(dir.path / "scratch");
    auto listing = lister->list(location.prefix + "/", 1000);
    EXPECT_TRUE(listing.ok()) << listing.error().message;
    if (listing) names.insert(names.end(), listing->keys.begin(), listing->keys.end());
    return names;
  }
};

struct ImplNames {
  template <class T>
  static std::string GetName(int) {
    return "S3OverMemoryIndex";
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(S3, MediaStoreContract, ::testing::Types<S3OverMemoryIndex>,
                               ImplNames);

}  // namespace
}  // namespace vidserve::delivery::testing
