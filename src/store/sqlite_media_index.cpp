#include "store/sqlite_media_index.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "store/sqlite_database.hpp"
#include "store/task_store.hpp"

namespace vidserve::store {

namespace {

constexpr const char* kSelectMedia =
    "SELECT media_uuid, owner, task_uuid, path, content_type, size_bytes, created_ms, "
    "expires_ms FROM media ";

Error media_not_found(std::string_view media_uuid) {
  return Error{errc::kNotFound, "no media with uuid '" + std::string(media_uuid) + "'"};
}

MediaRecord read_media(const Statement& s) {
  return MediaRecord{s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3),
                     s.column_text(4), s.column_int(5),  s.column_int(6),  s.column_int(7)};
}

Result<std::vector<MediaRecord>> read_all(Statement& stmt) {
  std::vector<MediaRecord> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(read_media(stmt));
  }
}

}  // namespace

Result<std::unique_ptr<SqliteMediaIndex>> SqliteMediaIndex::open(const std::string& path,
                                                                 const Clock& clock) {
  auto db = SqliteDatabase::open(path);
  if (!db) return db.error();
  return std::make_unique<SqliteMediaIndex>(std::move(db).value(), clock);
}

SqliteMediaIndex::SqliteMediaIndex(std::shared_ptr<SqliteDatabase> db, const Clock& clock)
    : db_(std::move(db)), clock_(clock) {}

Status SqliteMediaIndex::put(MediaRecord r) {
  if (r.media_uuid.empty()) return Error{errc::kInvalidArgument, "media_uuid is empty"};
  if (r.created_ms == 0) r.created_ms = clock_.now_ms();
  auto s = db_->session();
  auto stmt = s.prepare(
      "INSERT OR REPLACE INTO media (media_uuid, owner, task_uuid, path, content_type, "
      "size_bytes, created_ms, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!stmt) return stmt.error();
  stmt->text(1, r.media_uuid).text(2, r.owner).text(3, r.task_uuid).text(4, r.path);
  stmt->text(5, r.content_type).integer(6, r.size_bytes).integer(7, r.created_ms);
  stmt->integer(8, r.expires_ms);
  return stmt->run();
}

Result<MediaRecord> SqliteMediaIndex::get(std::string_view media_uuid) {
  auto s = db_->session();
  auto stmt = s.prepare(std::string(kSelectMedia) +
                        "WHERE media_uuid = ?1 AND (expires_ms = 0 OR expires_ms > ?2)");
  if (!stmt) return stmt.error();
  stmt->text(1, media_uuid).integer(2, clock_.now_ms());
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return media_not_found(media_uuid);
  return read_media(*stmt);
}

Result<std::vector<MediaRecord>> SqliteMediaIndex::expired(std::int64_t now_ms, std::size_t limit) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  auto s = db_->session();
  auto stmt = s.prepare(std::string(kSelectMedia) +
                        "WHERE expires_ms > 0 AND expires_ms <= ?1 "
                        "ORDER BY expires_ms, media_uuid LIMIT ?2");
  if (!stmt) return stmt.error();
  stmt->integer(1, now_ms).integer(2, static_cast<std::int64_t>(std::min(limit, kMax)));
  return read_all(*stmt);
}

Result<std::vector<MediaRecord>> SqliteMediaIndex::for_task(std::string_view owner, std::string_view task_uuid) {
  auto s = db_->session();
  auto stmt = s.prepare(std::string(kSelectMedia) + "WHERE task_uuid = ?1 AND owner = ?2 ORDER BY media_uuid");
  if (!stmt) return stmt.error();
  stmt->text(1, task_uuid).text(2, owner);
  return read_all(*stmt);
}

Status SqliteMediaIndex::remove(std::string_view media_uuid) {
  auto s = db_->session();
  auto stmt = s.prepare("DELETE FROM media WHERE media_uuid = ?1");
  if (!stmt) return stmt.error();
  stmt->text(1, media_uuid);
  if (auto ok = stmt->run(); !ok) return ok;
  if (s.changes() == 0) return media_not_found(media_uuid);
  return Ok{};
}

}  // namespace vidserve::store
