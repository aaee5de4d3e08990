// The MediaStore contract (media_store_contract.hpp) on LocalMediaStore, over the in-memory
// MediaIndex and over the SQLite one.
#include "media_store_contract.hpp"

#include <memory>
#include <type_traits>

#include "delivery/local_media_store.hpp"
#include "store/memory_media_index.hpp"
#include "store/sqlite_media_index.hpp"

namespace vidserve::delivery::testing {
namespace {

struct LocalOverMemoryIndex {
  ScratchDir dir;
  std::unique_ptr<store::MemoryMediaIndex> index;
  std::unique_ptr<MediaStore> make(const Clock& clock, std::uint64_t read_limit) {
    index = std::make_unique<store::MemoryMediaIndex>(clock);
    return std::make_unique<LocalMediaStore>(dir.path / "media", *index, clock,
                                             LocalMediaOptions{read_limit});
  }
  std::vector<std::string> stored() const { return dir.names(dir.path / "media"); }
};

struct LocalOverSqliteIndex {
  ScratchDir dir;
  std::unique_ptr<store::SqliteMediaIndex> index;
  std::unique_ptr<MediaStore> make(const Clock& clock, std::uint64_t read_limit) {
    auto opened = store::SqliteMediaIndex::open((dir.path / "media.db").string(), clock);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    index = std::move(opened).value();
    return std::make_unique<LocalMediaStore>(dir.path / "media", *index, clock,
                                             LocalMediaOptions{read_limit});
  }
  std::vector<std::string> stored() const { return dir.names(dir.path / "media"); }
};

struct ImplNames {
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, LocalOverMemoryIndex> ? "LocalOverMemoryIndex"
                                                   : "LocalOverSqliteIndex";
  }
};

using Impls = ::testing::Types<LocalOverMemoryIndex, LocalOverSqliteIndex>;
INSTANTIATE_TYPED_TEST_SUITE_P(Local, MediaStoreContract, Impls, ImplNames);

}  // namespace
}  // namespace vidserve::delivery::testing
