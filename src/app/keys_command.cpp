#include <filesystem>
#include <iostream>
#include <memory>

#include "app/commands.hpp"
#include "store/sqlite_key_store.hpp"

namespace vidserve::app {

namespace {

struct KeysOptions {
  std::filesystem::path data_dir = "./data";
  std::string label = "default";
  std::string id;
};

int with_store(const KeysOptions& o, const std::function<int(store::KeyStore&)>& body) {
  std::error_code ec;
  std::filesystem::create_directories(o.data_dir, ec);
  auto keys = store::SqliteKeyStore::open((o.data_dir / "vidserve.db").string(), SystemClock::instance());
  if (!keys) {
    std::cerr << "vidserve keys: " << keys.error().message << "\n";
    return 2;
  }
  return body(**keys);
}

// The secret receivers verify webhooks with (Standard Webhooks), on stdout after the key.
void print_webhook_secret(const std::string& secret) {
  std::cout << "webhook secret: " << secret << "\n";
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
  print_webhook_secret(*secret);
  return 0;
}

}  // namespace

Runner add_keys_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("keys", "Manage API keys (stored hashed in the data directory)");
  cmd->require_subcommand(1);
  auto o = std::make_shared<KeysOptions>();
  cmd->add_option("--data", o->data_dir, "Data directory")->capture_default_str();
  auto* create = cmd->add_subcommand("create", "Create a key; it is printed once");
  create->add_option("--label", o->label, "A name for the key")->capture_default_str();
  auto* list = cmd->add_subcommand("list", "List keys (ids and labels, never the keys)");
  auto* revoke = cmd->add_subcommand("revoke", "Revoke a key by id");
  revoke->add_option("id", o->id, "Key id (from `keys list`)")->required();
  auto* secret = add_webhook_secret_command(*cmd, *o);
  // `--data` may come before or after the action.
  for (auto* sub : {create, list, revoke}) sub->fallthrough();
  return [o, create, list, revoke, secret]() {
    return with_store(*o, [&](store::KeyStore& keys) {
      if (secret->parsed()) return rotate_webhook_secret(keys, o->id);
      if (create->parsed()) {
        auto made = keys.create(o->label);
        if (!made) return std::cerr << made.error().message << "\n", 1;
        std::cout << made->plaintext << "\n";
        std::cerr << "key id " << made->info.id << " (" << made->info.label << "); the key is not shown again\n";
        print_webhook_secret(made->webhook_secret);
        return 0;
      }
      if (list->parsed()) {
        auto all = keys.list();
        if (!all) return std::cerr << all.error().message << "\n", 1;
        for (const auto& k : *all) {
          std::cout << k.id << "  " << k.label << (k.revoked ? "  (revoked)" : "") << "\n";
        }
        return 0;
      }
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
