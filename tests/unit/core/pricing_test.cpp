// Quotes from catalog prices.
#include <gtest/gtest.h>

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
  EXPECT_NEAR(q->cost_usd, 0.185, 1e-9);
}

TEST(Pricing, NumberResultsMultiplies) {
  const auto q = quote_of(kHead + R"("model":"klingai:3@1","positivePrompt":"a cat","duration":10,"numberResults":3})");
  ASSERT_TRUE(q);
  EXPECT_NEAR(q->cost_usd, 0.037 * 10 * 3, 1e-9);
}

TEST(Pricing, Kling26StandardSeedCosts) {
  const auto t2v = quote_of(kHead + R"("model":"klingai:kling-video@2.6-standard","positivePrompt":"a fox"})");
  ASSERT_TRUE(t2v);
  EXPECT_NEAR(t2v->cost_usd, 0.70, 1e-9);
  const auto motion = quote_of(kHead + R"("model":"klingai:kling-video@2.6-standard","positivePrompt":"dance",
      "inputs":{"referenceImages":["https://example.com/a.jpg"],"referenceVideos":["https://example.com/a.mp4"]}})");
  ASSERT_TRUE(motion);
  EXPECT_NEAR(motion->cost_usd, 0.33, 1e-9);
}

TEST(Pricing, SoundAndVideoInputSelectTheRule) {
  const auto silent = quote_of(kHead + R"("model":"klingai:kling-video@o3-pro","positivePrompt":"waves",
      "width":1920,"height":1080,"duration":10})");
  const auto sound = quote_of(kHead + R"("model":"klingai:kling-video@o3-pro","positivePrompt":"waves",
      "width":1920,"height":1080,"duration":10,"providerSettings":{"klingai":{"sound":true}}})");
  const auto video = quote_of(kHead + R"("model":"klingai:kling-video@o3-pro","positivePrompt":"waves",
      "duration":10,"inputs":{"referenceVideos":["https://example.com/a.mp4"]}})");
  ASSERT_TRUE(silent && sound && video);
  EXPECT_NEAR(silent->cost_usd, 1.12, 1e-9);
  EXPECT_NEAR(sound->cost_usd, 1.40, 1e-9);
  EXPECT_NEAR(video->cost_usd, 1.68, 1e-9);
}

TEST(Pricing, Image4KCostsMore) {
  const std::string head = R"({"taskType":"imageInference","taskUUID":"3bdba0d3-e60e-4a0a-b82e-1a092ca07810",)";
  const auto k1 = quote_of(head + R"("model":"klingai:kling-image@o3","positivePrompt":"x","width":1024,"height":1024})");
  const auto k4 = quote_of(head + R"("model":"klingai:kling-image@o3","positivePrompt":"x","width":4096,"height":4096})");
  ASSERT_TRUE(k1 && k4);
  EXPECT_NEAR(k1->cost_usd, 0.028, 1e-9);
  EXPECT_NEAR(k4->cost_usd, 0.056, 1e-9);
}

TEST(Pricing, InputLengthPricesWaitForTheInput) {
  const auto result = test::check(boost::json::parse(kHead + R"("model":"klingai:7@1",
      "inputs":{"video":"https://example.com/v.mp4","audio":"https://example.com/a.mp3"}})"));
  ASSERT_TRUE(result.valid());
  const auto& v = result.tasks[0].validation;
  EXPECT_FALSE(v.quote);
  const auto tiered = core::quote_with_input_seconds(*v.plan, {}, 7);
  ASSERT_TRUE(tiered);
  EXPECT_NEAR(tiered->cost_usd, 0.0924, 1e-9);
  const auto beyond = core::quote_with_input_seconds(*v.plan, {}, 12);
  EXPECT_NEAR(beyond->cost_usd, 0.0924 + 2 * 0.0092, 1e-9);
}

TEST(Pricing, UnpricedModelsAreNotQuoted) {
  EXPECT_FALSE(quote_of(kHead + R"("model":"klingai:1@1","positivePrompt":"a cat"})"));
}

}  // namespace
}  // namespace vidserve
