#pragma once
// `vidserve worker`: a process that claims and runs tasks from a shared store (PostgreSQL, media
// in S3), beside the API nodes (`vidserve serve --store ...`) and other workers. It has the
// storage, engines and workers of server_parts.hpp, no front-ends, and no HTTP except an optional
// health port answering GET /healthz, /readyz and /metrics (api/ops/ops_routes.hpp).
#include <memory>
#include <string>

#include "app/server_app.hpp"
#include "common/result.hpp"

namespace vidserve::app {

class WorkerApp {
 public:
  explicit WorkerApp(ServeOptions options);
  ~WorkerApp();
  WorkerApp(const WorkerApp&) = delete;
  WorkerApp& operator=(const WorkerApp&) = delete;

  // Refused before anything is opened: a SQLite store, or media in the data directory
  // (app::errc::kWorkerNeedsSharedStore), a bad --health-listen. Then opens the storage, runs the
  // start-up steps a process may run beside others (resume_stored_tasks), starts the workers and
  // the health port. Returns the health URL, or "" without one.
  Result<std::string> start();
  // Stops the health port, claims nothing more, hands every task in hand back to the queue (a
  // render stops as on a cancel; the next attempt resumes from its provider state) and joins.
  void stop();
  // "4 workers, store PostgreSQL (postgresql://app@db/vs), media S3 (s3://bucket)" (no passwords).
  std::string summary() const;

 private:
  Result<std::string> start_health(const std::string& host, unsigned short port);

  struct Parts;
  ServeOptions options_;
  std::unique_ptr<Parts> parts_;
};

}  // namespace vidserve::app
