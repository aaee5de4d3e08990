#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "app/command_options.hpp"
#include "app/commands.hpp"
#include "app/server_parts.hpp"
#include "common/money.hpp"
#include "common/text.hpp"

namespace vidserve::app {

namespace {

struct KeysOptions {
  std::filesystem::path data_dir = "./data";
  std::string store_url;  // "" / sqlite: -> DATA/vidserve.db
  bool store_named = false;  // --data or --store (or VIDSERVE_STORE) was given
  std::string label = "default";
  std::string id;
};

// `keys limits ID`: each option given replaces that limit; "default" returns it to the serve
// flag's value; --clear returns all three.
struct LimitOptions {
  std::optional<std::string> rate, burst, spend_cap;
  bool clear = false;
};

std::string limits_text(const store::KeyLimits& l) {
  const auto rate = l.rate_per_s ? (*l.rate_per_s == 0 ? std::string("none") : text::format_number(*l.rate_per_s) + "/s")
                                 : std::string("default");
  return "rate " + rate + "  burst " + (l.burst ? std::to_string(*l.burst) : std::string("default")) +
         "  spend cap " + (l.spend_cap ? money::usd(*l.spend_cap) : std::string("default"));
}

CLI::App* add_limits_subcommand(CLI::App& keys, KeysOptions& o, LimitOptions& l) {
  auto* cmd = keys.add_subcommand("limits", "Set a key's own limits (others keep theirs); `keys list` shows them");
  cmd->add_option("id", o.id, "Key id (from `keys list`)")->required();
  cmd->add_option("--rate", l.rate, "Requests per second (0: no limit for this key; default: serve's --rate-limit)");
  cmd->add_option("--burst", l.burst, "Requests at once before the rate applies (default: serve's --rate-burst)");
  cmd->add_option("--spend-cap", l.spend_cap, "Kling-engine spend cap in USD, e.g. 20.00 (default: serve's --spend-cap)");
  cmd->add_flag("--clear", l.clear, "Return all three to the serve defaults");
  return cmd;
}

// "default" -> nullopt (the server's default); otherwise the parsed value, or an error message.
template <class T, class Parse>
bool apply_limit(const std::optional<std::string>& given, std::optional<T>& limit, Parse parse, const char* name) {
  if (!given) return true;
  if (*given == "default") {
    limit.reset();
    return true;
  }
  auto value = parse(*given);
  if (!value) std::cerr << "vidserve keys limits: " << name << " " << *given << " is not valid\n";
  limit = value;
  return value.has_value();
}

std::optional<double> parse_rate(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  return !text.empty() && *end == '\0' && v >= 0 && v <= 1e6 ? std::optional<double>(v) : std::nullopt;
}

std::optional<int> parse_burst(const std::string& text) {
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  return !text.empty() && *end == '\0' && v >= 1 && v <= 1'000'000 ? std::optional<int>(static_cast<int>(v))
                                                                      : std::nullopt;
}

int run_limits(store::KeyStore& keys, const KeysOptions& o, const LimitOptions& l) {
  auto limits = keys.limits(o.id);
  if (!limits) return std::cerr << limits.error().message << "\n", 1;
  if (l.clear) *limits = {};
  if (!apply_limit(l.rate, limits->rate_per_s, parse_rate, "--rate") ||
      !apply_limit(l.burst, limits->burst, parse_burst, "--burst") ||
      !apply_limit(l.spend_cap, limits->spend_cap, money::parse, "--spend-cap")) {
    return 2;
  }
  if (auto set = keys.set_limits(o.id, *limits); !set) return std::cerr << set.error().message << "\n", 1;
  std::cout << o.id << "  " << limits_text(*limits) << "\n";
  return 0;
}

// Without --data or --store, the default ./data/vidserve.db must exist already: a `keys` command
// run from the wrong directory says so instead of creating an empty store there.
bool default_store_missing(const KeysOptions& o) {
  if (o.store_named) return false;
  const auto db = o.data_dir / "vidserve.db";
  std::error_code ec;
  if (std::filesystem::exists(db, ec)) return false;
  std::cerr << "vidserve keys: no key store at " << db.string()
            << " (neither --data nor --store was given, so that is where it looked).\n"
            << "Name the store: --data DIR (its DIR/vidserve.db, created when missing) or --store "
               "postgresql://...; `vidserve serve --data DIR` creates DIR/vidserve.db too.\n";
  return true;
}

int with_store(const KeysOptions& o, const std::function<int(KeyStorage&)>& body) {
  if (default_store_missing(o)) return 2;
  auto storage = open_key_storage(o.store_url, o.data_dir, SystemClock::instance());
  if (!storage) {
    std::cerr << "vidserve keys: " << storage.error().message << "\n";
    return 2;
  }
  return body(*storage);
}

// Each key: id, label, its limits and what its tasks have spent through the kling engine.
int run_list(KeyStorage& storage) {
  auto all = storage.keys->list();
  if (!all) return std::cerr << all.error().message << "\n", 1;
  for (const auto& k : *all) {
    auto own = storage.keys->limits(k.id);
    auto spent = storage.spend->spent(k.id);
    std::cout << k.id << "  " << k.label << "  " << (own ? limits_text(*own) : "limits unreadable") << "  spent "
              << (spent ? money::usd(*spent) : "unreadable") << (k.revoked ? "  (revoked)" : "") << "\n";
  }
  return 0;
}

// The secret receivers verify webhooks with (Standard Webhooks). `keys create` prints it on
// stderr with the key's id, so that its stdout stays the key alone (key=$(vidserve keys create));
// `keys webhook-secret` prints the new one alone on stdout.
void print_webhook_secret(const std::string& secret) {
  std::cerr << "webhook secret: " << secret << " (receivers verify this key's webhooks with it)\n";
}

CLI::App* add_webhook_secret_command(CLI::App& cmd, KeysOptions& o) {
  auto* secret = cmd.add_subcommand("webhook-secret",
                                    "Replace a key's webhook signing secret and print the new one (the old one "
                                    "stops verifying at once)");
  secret->add_option("id", o.id, "Key id (from `keys list`)")->required();
  secret->fallthrough();
  return secret;
}

int rotate_webhook_secret(store::KeyStore& keys, const std::string& id) {
  auto secret = keys.rotate_webhook_secret(id);
  if (!secret) return std::cerr << secret.error().message << "\n", 1;
  std::cout << *secret << "\n";
  return 0;
}

}  // namespace

Runner add_keys_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("keys", "Manage API keys (stored hashed in the store: the data directory's by default)");
  cmd->require_subcommand(1);
  auto o = std::make_shared<KeysOptions>();
  auto* data =
      cmd->add_option(
             "--data", o->data_dir,
             "Data directory (with the SQLite store; created when missing). Without --data "
             "or --store, ./data/vidserve.db must exist")
          ->capture_default_str();
  add_store_option(*cmd, o->store_url);
  auto* store = cmd->get_option("--store");
  auto* create = cmd->add_subcommand("create", "Create a key; it is printed once");
  create->add_option("--label", o->label, "A name for the key")->capture_default_str();
  auto* list = cmd->add_subcommand("list", "List keys (ids and labels, never the keys)");
  auto* revoke = cmd->add_subcommand("revoke", "Revoke a key by id");
  revoke->add_option("id", o->id, "Key id (from `keys list`)")->required();
  auto l = std::make_shared<LimitOptions>();
  auto* limits = add_limits_subcommand(*cmd, *o, *l);
  auto* secret = add_webhook_secret_command(*cmd, *o);
  // `--data` and `--store` may come before or after the action.
  for (auto* sub : {create, list, revoke, limits}) sub->fallthrough();
  return [o, l, create, list, revoke, limits, secret, data, store]() {
    o->store_named = data->count() > 0 || store->count() > 0;
    return with_store(*o, [&](KeyStorage& storage) {
      auto& keys = *storage.keys;
      if (secret->parsed()) return rotate_webhook_secret(keys, o->id);
      if (create->parsed()) {
        auto made = keys.create(o->label);
        if (!made) return std::cerr << made.error().message << "\n", 1;
        std::cout << made->plaintext << "\n";
        std::cerr << "key id " << made->info.id << " (" << made->info.label << "); the key is not shown again\n";
        print_webhook_secret(made->webhook_secret);
        return 0;
      }
      if (list->parsed()) return run_list(storage);
      if (limits->parsed()) return run_limits(keys, *o, *l);
      if (revoke->parsed()) {
        auto done = keys.revoke(o->id);
        if (!done) return std::cerr << done.error().message << "\n", 1;
        std::cout << "revoked " << o->id << "\n";
        return 0;
      }
      return 2;
    });
  };
}

}  // namespace vidserve::app
