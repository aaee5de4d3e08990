#include "media/text_overlay.hpp"

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <filesystem>
#include <utility>
#include <vector>

#include "media/pixel_convert.hpp"
#include "media/text_layout.hpp"

namespace vidserve::media {
namespace {

using Options = std::vector<std::pair<std::string, std::string>>;

struct Layout {
  int margin, badge_size, small_size, prompt_size;
  size_t chars_per_line, max_lines;
};

Layout layout_for(int width, int height) {
  const int base = std::min(width, height);
  Layout l{};
  l.margin = std::max(4, base / 40);
  l.badge_size = std::max(12, base / 16);
  l.small_size = std::max(8, base / 40);
  l.prompt_size = std::max(10, base / 26);
  // DejaVu Sans averages a little under 0.6 em per character.
  const double usable = width - 2.0 * l.margin - l.prompt_size;
  l.chars_per_line = static_cast<size_t>(std::max(4.0, usable / (0.6 * l.prompt_size)));
  l.max_lines = height > width ? 5 : 3;
  return l;
}

// Adds a filter configured option by option (no filtergraph string parsing of user text).
Result<AVFilterContext*> add_filter(AVFilterGraph* graph, const char* filter_name,
                                    const Options& options) {
  const AVFilter* filter = avfilter_get_by_name(filter_name);
  if (!filter)
    return media_error(std::string("this FFmpeg build has no ") + filter_name + " filter");
  AVFilterContext* ctx = avfilter_graph_alloc_filter(graph, filter, nullptr);
  if (!ctx) return media_error("out of memory allocating a filter");
  for (const auto& [key, value] : options) {
    if (int err = av_opt_set(ctx, key.c_str(), value.c_str(), AV_OPT_SEARCH_CHILDREN); err < 0) {
      return av_error(err, std::string(filter_name) + " option " + key);
    }
  }
  if (int err = avfilter_init_str(ctx, nullptr); err < 0) {
    return av_error(err, std::string("cannot initialise the ") + filter_name + " filter");
  }
  return ctx;
}

Options font_options(const std::string& font_dir, bool bold) {
  const std::string file = font_dir + (bold ? "/DejaVuSans-Bold.ttf" : "/DejaVuSans.ttf");
  if (std::filesystem::exists(file)) return {{"fontfile", file}};
  return {{"font", bold ? "Sans:bold" : "Sans"}};
}

struct TextItem {
  std::string text;
  int size;
  std::string x, y;
  std::string box_color;  // empty: no box
  bool bold = false;
  bool expand = false;  // only for our own "%{...}" templates, never for user text
};

Options drawtext_options(const TextItem& item, const Caption& caption) {
  Options o = font_options(caption.font_dir, item.bold);
  o.insert(o.end(), {{"text", item.text},
                     {"expansion", item.expand ? "normal" : "none"},
                     {"fontsize", std::to_string(item.size)},
                     {"fontcolor", "white"},
                     {"line_spacing", std::to_string(item.size / 4)},
                     {"x", item.x},
                     {"y", item.y},
                     {"start_number", std::to_string(caption.first_frame_number)}});
  if (!item.box_color.empty()) {
    o.insert(o.end(), {{"box", "1"},
                       {"boxcolor", item.box_color},
                       {"boxborderw", std::to_string(item.size / 4)}});
  }
  return o;
}

std::vector<TextItem> text_items(const Caption& caption, const Layout& l) {
  const std::string m = std::to_string(l.margin);
  const int below_badge = l.margin + l.badge_size + l.badge_size / 2;
  std::vector<TextItem> items;
  items.push_back({caption.badge, l.badge_size, m, m, "0xC62828@0.85", true, false});
  items.push_back(
      {caption.subtitle, l.small_size, m, std::to_string(below_badge), "black@0.5", false, false});
  items.push_back({caption.label, l.small_size, "w-tw-" + m, m, "black@0.5", false, false});
  if (caption.timecode) {
    const std::string y = std::to_string(l.margin + l.small_size * 2);
    items.push_back(
        {"%{pts:hms}  frame %{n}", l.small_size, "w-tw-" + m, y, "black@0.5", false, true});
  }
  std::string prompt;
  for (const std::string& line :
       wrap_caption(sanitize_caption(caption.prompt), l.chars_per_line, l.max_lines)) {
    prompt += (prompt.empty() ? "" : "\n") + line;
  }
  const std::string bottom = std::to_string(l.margin * 2);
  items.push_back({prompt, l.prompt_size, m, "h-th-" + bottom, "black@0.55", false, false});
  std::erase_if(items, [](const TextItem& item) { return item.text.empty(); });
  return items;
}

std::string buffer_size(int width, int height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

// The filters between source and sink, in order: the captions, on frames already in out_format.
Result<std::vector<AVFilterContext*>> middle_filters(AVFilterGraph* graph, AVPixelFormat out_format,
                                                     const Caption& caption, const Layout& layout) {
  std::vector<AVFilterContext*> chain;
  auto format = add_filter(graph, "format", {{"pix_fmts", av_get_pix_fmt_name(out_format)}});
  if (!format) return format.error();
  chain.push_back(*format);
  for (const TextItem& item : text_items(caption, layout)) {
    auto text = add_filter(graph, "drawtext", drawtext_options(item, caption));
    if (!text) return text.error();
    chain.push_back(*text);
  }
  return chain;
}

}  // namespace

Result<TextOverlay> TextOverlay::create(int width, int height, AVRational time_base,
                                        AVPixelFormat out_format, const Caption& caption) {
  TextOverlay overlay;
  overlay.format_ = out_format;
  overlay.graph_.reset(avfilter_graph_alloc());
  if (!overlay.graph_) return media_error("out of memory allocating a filter graph");
  AVFilterGraph* graph = overlay.graph_.get();
  graph->nb_threads = 1;
  const std::string tb = std::to_string(time_base.num) + "/" + std::to_string(time_base.den);
  auto source = add_filter(graph, "buffer",
                           {{"video_size", buffer_size(width, height)},
                            {"pix_fmt", av_get_pix_fmt_name(out_format)},
                            {"time_base", tb},
                            {"pixel_aspect", "1/1"}});
  if (!source) return source.error();
  auto middle = middle_filters(graph, out_format, caption, layout_for(width, height));
  if (!middle) return middle.error();
  auto sink = add_filter(graph, "buffersink", {});
  if (!sink) return sink.error();
  std::vector<AVFilterContext*> chain{*source};
  chain.insert(chain.end(), middle->begin(), middle->end());
  chain.push_back(*sink);
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    if (int err = avfilter_link(chain[i], 0, chain[i + 1], 0); err < 0)
      return av_error(err, "cannot link filters");
  }
  if (int err = avfilter_graph_config(graph, nullptr); err < 0)
    return av_error(err, "cannot configure filters");
  overlay.source_ = *source;
  overlay.sink_ = *sink;
  return overlay;
}

Result<FramePtr> TextOverlay::apply(FramePtr rgb_frame) {
  FramePtr in = std::move(rgb_frame);
  if (format_ == AV_PIX_FMT_YUV420P && in->format == AV_PIX_FMT_RGB24) {
    auto yuv = alloc_frame(AV_PIX_FMT_YUV420P, in->width, in->height);
    if (!yuv) return yuv.error();
    rgb_to_yuv420p_bt709(RgbView{in->data[0], in->linesize[0], in->width, in->height}, **yuv);
    (*yuv)->pts = in->pts;
    (*yuv)->color_range = AVCOL_RANGE_MPEG;
    (*yuv)->colorspace = AVCOL_SPC_BT709;
    (*yuv)->color_primaries = AVCOL_PRI_BT709;
    (*yuv)->color_trc = AVCOL_TRC_BT709;
    in = std::move(*yuv);
  }
  if (int err = av_buffersrc_add_frame(source_, in.get()); err < 0) {
    return av_error(err, "cannot feed the caption filter");
  }
  FramePtr out = make_frame();
  if (!out) return media_error("out of memory allocating a frame");
  if (int err = av_buffersink_get_frame(sink_, out.get()); err < 0) {
    return av_error(err, "the caption filter produced no frame");
  }
  return out;
}

}  // namespace vidserve::media
