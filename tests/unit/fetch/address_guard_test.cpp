#include "fetch/address_guard.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace vidserve::fetch {
namespace {

IpAddress addr(const char* text) {
  return boost::asio::ip::make_address(text);
}

TEST(AddressGuard, RefusesSpecialPurposeAddresses) {
  const std::pair<const char*, const char*> refused[] = {
      {"127.0.0.1", "loopback"},
      {"127.255.255.254", "loopback"},
      {"10.1.2.3", "private"},
      {"172.16.0.1", "private"},
      {"172.31.255.255", "private"},
      {"192.168.1.1", "private"},
      {"169.254.169.254", "metadata"},
      {"169.254.1.1", "link-local"},
      {"100.64.0.1", "carrier-grade NAT"},
      {"100.127.255.255", "carrier-grade NAT"},
      {"0.0.0.0", "unspecified"},
      {"0.1.2.3", "unspecified"},
      {"224.0.0.1", "multicast"},
      {"239.255.255.250", "multicast"},
      {"255.255.255.255", "broadcast"},
      {"240.0.0.1", "reserved"},
      {"192.0.2.10", "documentation"},
      {"198.18.0.1", "benchmarking"},
      {"::", "unspecified"},
      {"::1", "loopback"},
      {"fc00::1", "unique local"},
      {"fd12:3456:789a::1", "unique local"},
      {"fe80::1", "link-local"},
      {"febf:ffff::1", "link-local"},
      {"fec0::1", "site-local"},
      {"ff02::1", "multicast"},
      {"2001:db8::1", "documentation"},
      {"::ffff:127.0.0.1", "IPv4-mapped form of 127.0.0.1, loopback"},
      {"::ffff:10.0.0.1", "IPv4-mapped form of 10.0.0.1, private"},
      {"::ffff:169.254.169.254", "metadata"},
      {"::ffff:0.0.0.0", "unspecified"},
      {"::127.0.0.1", "IPv4-compatible"},
      {"64:ff9b::a9fe:a9fe", "NAT64 form of 169.254.169.254"},
      {"2002:7f00:1::1", "6to4 form of 127.0.0.1"},
      {"2002:c0a8:0101::", "6to4 form of 192.168.1.1"},
  };
  const AddressGuard guard;
  for (const auto& [text, range] : refused) {
    const auto a = addr(text);
    EXPECT_FALSE(guard.allowed(a)) << text;
    const auto status = guard.check(a);
    ASSERT_FALSE(status) << text;
    EXPECT_EQ(status.error().code, "addressRefused");
    EXPECT_NE(status.error().message.find(range), std::string::npos) << status.error().message;
    EXPECT_NE(status.error().message.find("VIDSERVE_FETCH_ALLOW"), std::string::npos);
  }
}

TEST(AddressGuard, AllowsPublicAddresses) {
  const char* allowed[] = {
      "8.8.8.8",
      "1.1.1.1",
      "172.15.255.255",
      "172.32.0.0",
      "100.63.255.255",
      "100.128.0.0",
      "11.0.0.1",
      "192.169.0.1",
      "169.253.255.255",
      "223.255.255.255",
      "2606:4700:4700::1111",
      "2a00:1450:4001::200e",
      "::ffff:8.8.8.8",
      "64:ff9b::808:808",
      "2002:808:808::1",
  };
  const AddressGuard guard;
  for (const char* text : allowed) {
    EXPECT_TRUE(guard.allowed(addr(text))) << text;
    EXPECT_TRUE(guard.check(addr(text))) << text;
    EXPECT_FALSE(AddressGuard::special_range(addr(text))) << text;
  }
}

TEST(AddressGuard, AllowListOpensOnlyItsRanges) {
  auto guard = AddressGuard::with_allow_list("127.0.0.0/8, ::1/128");
  ASSERT_TRUE(guard) << guard.error().message;
  EXPECT_EQ(guard->allow_list().size(), 2u);
  EXPECT_TRUE(guard->allowed(addr("127.0.0.1")));
  EXPECT_TRUE(guard->allowed(addr("127.1.2.3")));
  EXPECT_TRUE(guard->allowed(addr("::1")));
  EXPECT_TRUE(guard->allowed(addr("::ffff:127.0.0.1")));  // mapped form of an allowed address
  EXPECT_FALSE(guard->allowed(addr("10.0.0.1")));
  EXPECT_FALSE(guard->allowed(addr("169.254.169.254")));
  EXPECT_FALSE(guard->allowed(addr("fe80::1")));
  EXPECT_TRUE(guard->allowed(addr("8.8.8.8")));  // public addresses stay allowed

  auto single = AddressGuard::with_allow_list("127.0.0.1");
  ASSERT_TRUE(single);
  EXPECT_TRUE(single->allowed(addr("127.0.0.1")));
  EXPECT_FALSE(single->allowed(addr("127.0.0.2")));
}

TEST(AddressGuard, ParsesCidrs) {
  EXPECT_EQ(parse_cidr("10.1.2.3/8").value().to_string(), "10.0.0.0/8");
  EXPECT_EQ(parse_cidr("192.168.1.77/30").value().to_string(), "192.168.1.76/30");
  EXPECT_EQ(parse_cidr("fd00::1234/16").value().to_string(), "fd00::/16");
  EXPECT_EQ(parse_cidr(" ::1 ").value().to_string(), "::1/128");
  EXPECT_EQ(parse_cidr("0.0.0.0/0").value().to_string(), "0.0.0.0/0");
  EXPECT_TRUE(parse_cidr("0.0.0.0/0").value().contains(addr("203.0.113.9")));
  EXPECT_FALSE(parse_cidr("0.0.0.0/0").value().contains(addr("::1")));  // families never mix
  EXPECT_TRUE(parse_cidr_list("").value().empty());
  EXPECT_EQ(parse_cidr_list("127.0.0.0/8,,::1/128 10.0.0.0/8").value().size(), 3u);
}

TEST(AddressGuard, RejectsInvalidCidrs) {
  const char* bad[] = {"127.0.0.0/33", "::1/129",        "localhost", "10.0.0.0/",
                       "10.0.0.0/x",   "10.0.0.0/8/9",   "300.1.1.1", "10.0.0.0/-1",
                       "1.2.3.4/0008", "127.0.0.0/8,abc"};
  for (const char* text : bad) {
    auto guard = AddressGuard::with_allow_list(text);
    ASSERT_FALSE(guard) << text;
    EXPECT_EQ(guard.error().code, "invalidAllowList");
    EXPECT_NE(guard.error().message.find("CIDR"), std::string::npos) << guard.error().message;
  }
}

TEST(AddressGuard, ReadsTheAllowListFromTheEnvironment) {
  unsetenv(AddressGuard::kAllowVariable);
  auto none = AddressGuard::from_env();
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->allowed(addr("127.0.0.1")));

  setenv(AddressGuard::kAllowVariable, "127.0.0.0/8,::1/128", 1);
  auto loopback = AddressGuard::from_env();
  ASSERT_TRUE(loopback);
  EXPECT_TRUE(loopback->allowed(addr("127.0.0.1")));
  EXPECT_TRUE(loopback->allowed(addr("::1")));

  setenv(AddressGuard::kAllowVariable, "127.0.0.0/99", 1);
  auto bad = AddressGuard::from_env();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "invalidAllowList");
  EXPECT_NE(bad.error().message.find("VIDSERVE_FETCH_ALLOW"), std::string::npos);
  unsetenv(AddressGuard::kAllowVariable);
}

}  // namespace
}  // namespace vidserve::fetch
