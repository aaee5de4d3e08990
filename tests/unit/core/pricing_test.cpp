// Quotes from catalog prices.
#include <gtest/gtest.h>

#include "common/money.hpp"
#include "test_support.hpp"

namespace vidserve {
namespace {

std::optional<core::Quote> quote_of(const std::string& json) {
  const auto result = test::check(boost::json::parse(json));
  EXPECT_TRUE(result.valid()) << (result.tasks.at(0).validation.problems.empty()
                                      ? ""
                                      : result.tasks[0].validation.problems[0].message);
  return result.tasks.at(0).validation.quote;
}

const std::string kHead = R"({"taskType":"videoInference","taskUUID":"3bdba0d3-e60e-4a0a-b82e-1a092ca07810",)";

TEST(Pricing, Kling16StandardIs0037PerSecond) {
  const auto q = quote_of(kHead + R"("model":"klingai:3@1","positivePrompt":"a cat","duration":5})");
  ASSERT_TRUE(q);
  EXPECT_EQ(money::decimal(q->cost_micros), "0.185");
}

TEST(Pricing, NumberResultsMultiplies) {
  const auto q = quote_of(kHead + R"("model":"klingai:3@1","positivePrompt":"a cat","duration":10,"numberResults":3})");
  ASSERT_TRUE(q);
  EXPECT_EQ(money::decimal(q->cost_micros), "1.11");
}

TEST(Pricing, Kling26StandardSeedCosts) {
  const auto t2v = quote_of(kHead + R"("model":"klingai:kling-video@2.6-standard","positivePrompt":"a fox"})");
  ASSERT_TRUE(t2v);
  EXPECT_EQ(money::decimal(t2v->cost_micros), "0.7");
  const auto motion = quote_of(kHead + R"("model":"klingai:kling-video@2.6-standard","positivePrompt":"dance",
      "inputs":{"referenceImages":["https://example.com/a.jpg"],"referenceVideos":["https://example.com/a.mp4"]}})");
  ASSERT_TRUE(motion);
  EXPECT_EQ(money::decimal(motion->cost_micros), "0.33");
}

TEST(Pricing, SoundAndVideoInputSelectTheRule) {
  const auto silent = quote_of(kHead + R"("model":"klingai:kling-video@o3-pro","positivePrompt":"waves",
      "width":1920,"height":1080,"duration":10})");
  const auto sound = quote_of(kHead + R"("model":"klingai:kling-video@o3-pro","positivePrompt":"waves",
      "width":1920,"height":1080,"duration":10,"providerSettings":{"klingai":{"sound":true}}})");
  const auto video = quote_of(kHead + R"("model":"klingai:kling-video@o3-pro","positivePrompt":"waves",
      "duration":10,"inputs":{"referenceVideos":["https://example.com/a.mp4"]}})");
  ASSERT_TRUE(silent && sound && video);
  EXPECT_EQ(money::decimal(silent->cost_micros), "1.12");
  EXPECT_EQ(money::decimal(sound->cost_micros), "1.4");
  EXPECT_EQ(money::decimal(video->cost_micros), "1.68");
}

TEST(Pricing, Image4KCostsMore) {
  const std::string head = R"({"taskType":"imageInference","taskUUID":"3bdba0d3-e60e-4a0a-b82e-1a092ca07810",)";
  const auto k1 = quote_of(head + R"("model":"klingai:kling-image@o3","positivePrompt":"x","width":1024,"height":1024})");
  const auto k4 = quote_of(head + R"("model":"klingai:kling-image@o3","positivePrompt":"x","width":4096,"height":4096})");
  ASSERT_TRUE(k1 && k4);
  EXPECT_EQ(money::decimal(k1->cost_micros), "0.028");
  EXPECT_EQ(money::decimal(k4->cost_micros), "0.056");
}

TEST(Pricing, InputLengthPricesWaitForTheInput) {
  const auto result = test::check(boost::json::parse(kHead + R"("model":"klingai:7@1",
      "inputs":{"video":"https://example.com/v.mp4","audio":"https://example.com/a.mp3"}})"));
  ASSERT_TRUE(result.valid());
  const auto& v = result.tasks[0].validation;
  EXPECT_FALSE(v.quote);
  const auto tiered = core::quote_with_input_seconds(*v.plan, {}, 7);
  ASSERT_TRUE(tiered);
  EXPECT_EQ(money::decimal(tiered->cost_micros), "0.0924");
  const auto beyond = core::quote_with_input_seconds(*v.plan, {}, 12);
  EXPECT_EQ(money::decimal(beyond->cost_micros), "0.1108");
  EXPECT_EQ(core::priced_input(*v.plan, {}), "video");
  // Measured lengths are fractional: the cost is exact to the micro-dollar.
  EXPECT_EQ(money::decimal(core::quote_with_input_seconds(*v.plan, {}, 10.5)->cost_micros), "0.097");
}

TEST(Pricing, DurationFromAnInputVideoIsPricedOnceMeasured) {
  const auto result = test::check(boost::json::parse(kHead + R"("model":"klingai:kling-video@o3-pro",
      "positivePrompt":"make it snow","inputs":{"video":"https://example.com/v.mp4"}})"));
  ASSERT_TRUE(result.valid()) << result.tasks[0].validation.problems[0].message;
  const auto& v = result.tasks[0].validation;
  EXPECT_FALSE(v.quote);
  const core::PriceContext ctx{false, true};
  ASSERT_EQ(core::priced_input(*v.plan, ctx), "video");
  const auto q = core::quote_with_input_seconds(*v.plan, ctx, 4.2);
  ASSERT_TRUE(q);
  EXPECT_EQ(money::decimal(q->cost_micros), "0.7056");
}

TEST(Pricing, UnpricedModelsAreNotQuoted) {
  EXPECT_FALSE(quote_of(kHead + R"("model":"klingai:1@1","positivePrompt":"a cat"})"));
}

}  // namespace
}  // namespace vidserve
