#include <doctest/doctest.h>
#include <stb_image.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include "render/frame_ring.h"
#include "render/png_sequence.h"
#include "render/video_recorder.h"
#include "test_paths.h"

using namespace unitscope::render;
namespace fs = std::filesystem;

namespace {

struct Rgb {
  int r, g, b;
};

constexpr Rgb kBackground{40, 60, 90};
constexpr int kBlock = 16;

// Frame i: a flat background with one solid block whose place and colour depend on i, so both
// the order of decoded frames and their content can be checked.
struct Synthetic {
  int width, height;
  int block_x(int i) const { return 4 + (i * 6) % (width - kBlock - 8); }
  int block_y(int i) const { return 4 + (i * 4) % (height - kBlock - 8); }
  static Rgb block_colour(int i) { return {230 - (i * 13) % 180, 30 + (i * 29) % 200, 200}; }
  std::vector<std::uint8_t> frame(int i) const {
    std::vector<std::uint8_t> rgba(std::size_t(width) * height * 4);
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        const bool inside = x >= block_x(i) && x < block_x(i) + kBlock && y >= block_y(i) &&
                            y < block_y(i) + kBlock;
        const Rgb c = inside ? block_colour(i) : kBackground;
        std::uint8_t* p = &rgba[(std::size_t(y) * width + x) * 4];
        p[0] = std::uint8_t(c.r);
        p[1] = std::uint8_t(c.g);
        p[2] = std::uint8_t(c.b);
        p[3] = 255;
      }
    }
    return rgba;
  }
};

struct Decoded {
  int width = 0;
  int height = 0;
  std::int64_t stream_frames = 0;  // as the container says
  AVRational time_base{0, 1};
  AVRational avg_frame_rate{0, 1};
  std::vector<std::int64_t> pts;                  // decode order
  std::vector<std::vector<std::uint8_t>> frames;  // RGBA, presentation order
};

// Decodes every frame of an MP4 with libavformat/libavcodec and converts it back to RGBA.
Decoded decode_mp4(const fs::path& path) {
  Decoded out;
  AVFormatContext* format = nullptr;
  REQUIRE(avformat_open_input(&format, path.c_str(), nullptr, nullptr) == 0);
  std::unique_ptr<AVFormatContext, void (*)(AVFormatContext*)> format_owner(
      format, [](AVFormatContext* f) { avformat_close_input(&f); });
  REQUIRE(avformat_find_stream_info(format, nullptr) >= 0);
  const int index = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  REQUIRE(index >= 0);
  AVStream* stream = format->streams[index];
  out.stream_frames = stream->nb_frames;
  out.time_base = stream->time_base;
  out.avg_frame_rate = stream->avg_frame_rate;

  const AVCodec* decoder = avcodec_find_decoder(stream->codecpar->codec_id);
  REQUIRE(decoder != nullptr);
  std::unique_ptr<AVCodecContext, void (*)(AVCodecContext*)> codec(
      avcodec_alloc_context3(decoder), [](AVCodecContext* c) { avcodec_free_context(&c); });
  REQUIRE(avcodec_parameters_to_context(codec.get(), stream->codecpar) >= 0);
  REQUIRE(avcodec_open2(codec.get(), decoder, nullptr) == 0);
  out.width = codec->width;
  out.height = codec->height;

  std::unique_ptr<AVPacket, void (*)(AVPacket*)> packet(av_packet_alloc(),
                                                        [](AVPacket* p) { av_packet_free(&p); });
  std::unique_ptr<AVFrame, void (*)(AVFrame*)> frame(av_frame_alloc(),
                                                     [](AVFrame* f) { av_frame_free(&f); });
  auto receive = [&] {
    while (avcodec_receive_frame(codec.get(), frame.get()) == 0) {
      out.pts.push_back(frame->best_effort_timestamp);
      REQUIRE(frame->format == AV_PIX_FMT_YUV420P);
      // Converted here rather than with swscale, as an independent check of the BT.709
      // limited-range tagging the recorder promises.
      std::vector<std::uint8_t> rgba(std::size_t(frame->width) * frame->height * 4);
      for (int y = 0; y < frame->height; ++y) {
        for (int x = 0; x < frame->width; ++x) {
          const double luma = 1.164 * (frame->data[0][y * frame->linesize[0] + x] - 16);
          const double u = frame->data[1][(y / 2) * frame->linesize[1] + x / 2] - 128;
          const double v = frame->data[2][(y / 2) * frame->linesize[2] + x / 2] - 128;
          const double rgb[3] = {luma + 1.793 * v, luma - 0.213 * u - 0.533 * v, luma + 2.112 * u};
          std::uint8_t* p = &rgba[(std::size_t(y) * frame->width + x) * 4];
          for (int c = 0; c < 3; ++c) p[c] = std::uint8_t(std::clamp(rgb[c] + 0.5, 0.0, 255.0));
          p[3] = 255;
        }
      }
      out.frames.push_back(std::move(rgba));
    }
  };
  while (av_read_frame(format, packet.get()) == 0) {
    if (packet->stream_index == index) REQUIRE(avcodec_send_packet(codec.get(), packet.get()) == 0);
    av_packet_unref(packet.get());
    receive();
  }
  avcodec_send_packet(codec.get(), nullptr);
  receive();
  return out;
}

Rgb pixel(const std::vector<std::uint8_t>& rgba, int width, int x, int y) {
  const std::uint8_t* p = &rgba[(std::size_t(y) * width + x) * 4];
  return {p[0], p[1], p[2]};
}

bool near(Rgb a, Rgb b, int tolerance) {
  return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance &&
         std::abs(a.b - b.b) <= tolerance;
}

// Checks that decoded frame k shows synthetic frame `source_index`: block centre and a far corner.
void check_content(const Decoded& video, std::size_t k, const Synthetic& synthetic,
                   int source_index) {
  constexpr int kTolerance = 12;  // lossy yuv420p at crf 20, flat colours
  const auto& rgba = video.frames[k];
  const Rgb centre = pixel(rgba, video.width, synthetic.block_x(source_index) + kBlock / 2,
                           synthetic.block_y(source_index) + kBlock / 2);
  const Rgb expected = Synthetic::block_colour(source_index);
  INFO("decoded frame " << k << " (source " << source_index << "): centre " << centre.r << ","
                        << centre.g << "," << centre.b << " expected " << expected.r << ","
                        << expected.g << "," << expected.b);
  CHECK(near(centre, expected, kTolerance));
  const Rgb corner = pixel(rgba, video.width, synthetic.width - 2, synthetic.height - 2);
  CHECK(near(corner, kBackground, kTolerance));
}

std::string message_of(const auto& action) {
  try {
    action();
  } catch (const RecordError& error) {
    return error.what();
  }
  return "(no RecordError thrown)";
}

// Caps the size of files this process writes, for as long as it lives.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    REQUIRE(getrlimit(RLIMIT_FSIZE, &saved_) == 0);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &limit) == 0);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = nullptr;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_SUITE("record") {
  TEST_CASE("MP4 decodes back to every frame at its size with exact 1/fps spacing and content") {
    const fs::path dir = unitscope::test::scratch_dir("record_mp4");
    const Synthetic synthetic{160, 96};
    constexpr int kFrames = 40;
    VideoOptions options;
    options.width = synthetic.width;
    options.height = synthetic.height;
    options.fps = 25;
    options.preset = "veryfast";  // B-frames and lookahead: delayed frames must all be flushed
    options.queue_frames = 3;
    VideoRecorder recorder(dir / "clip.mp4", options);
    for (int i = 0; i < kFrames; ++i) {
      // Uneven real-time gaps must not show up in the timestamps.
      if (i % 10 == 3) std::this_thread::sleep_for(std::chrono::milliseconds(30));
      recorder.push(synthetic.frame(i));
    }
    recorder.finish();
    CHECK(recorder.frames_pushed() == kFrames);
    CHECK(recorder.frames_encoded() == kFrames);

    const Decoded video = decode_mp4(dir / "clip.mp4");
    CHECK(video.width == synthetic.width);
    CHECK(video.height == synthetic.height);
    CHECK(video.stream_frames == kFrames);
    REQUIRE(video.frames.size() == std::size_t(kFrames));
    CHECK(av_cmp_q(video.avg_frame_rate, AVRational{25, 1}) == 0);

    std::vector<std::int64_t> pts = video.pts;
    std::sort(pts.begin(), pts.end());
    const std::int64_t tick = av_rescale_q(1, AVRational{1, 25}, video.time_base);
    REQUIRE(tick > 0);
    CHECK(pts.front() == 0);
    for (std::size_t k = 1; k < pts.size(); ++k) {
      INFO("pts " << pts[k - 1] << " -> " << pts[k] << ", expected step " << tick);
      CHECK(pts[k] - pts[k - 1] == tick);
    }
    // Frames come out in presentation order: decoded frame k is synthetic frame k.
    for (int k = 0; k < kFrames; ++k) check_content(video, std::size_t(k), synthetic, k);
  }

  TEST_CASE("odd frame sizes are padded to even or rejected on request") {
    const fs::path dir = unitscope::test::scratch_dir("record_odd");
    const Synthetic synthetic{161, 97};
    VideoOptions options;
    options.width = synthetic.width;
    options.height = synthetic.height;
    options.preset = "ultrafast";
    for (const char* name : {"odd.mp4", "odd_again.mp4"}) {
      VideoRecorder recorder(dir / name, options);
      CHECK(recorder.encoded_width() == 162);
      CHECK(recorder.encoded_height() == 98);
      for (int i = 0; i < 5; ++i) recorder.push(synthetic.frame(i));
      recorder.finish();
    }
    const Decoded video = decode_mp4(dir / "odd.mp4");
    CHECK(video.width == 162);
    CHECK(video.height == 98);
    REQUIRE(video.frames.size() == 5);
    check_content(video, 4, synthetic, 4);
    // The padding repeats the edge: every pixel of the padded column and row, and the real edge,
    // look like the background next to them.
    for (int y = 0; y < 98; ++y) {
      for (int x : {159, 160, 161}) {
        const Rgb edge = pixel(video.frames[4], video.width, x, y);
        INFO("pixel " << x << "," << y << " = " << edge.r << "," << edge.g << "," << edge.b);
        CHECK(near(edge, kBackground, 12));
      }
    }
    for (int x = 0; x < 162; x += 7) {
      const Rgb edge = pixel(video.frames[4], video.width, x, 97);
      INFO("pixel " << x << ",97 = " << edge.r << "," << edge.g << "," << edge.b);
      CHECK(near(edge, kBackground, 12));
    }
    // Same input, same output: nothing uninitialised reaches the encoder.
    CHECK(decode_mp4(dir / "odd_again.mp4").frames == video.frames);

    options.pad_odd_size = false;
    const std::string why = message_of([&] { VideoRecorder(dir / "reject.mp4", options); });
    CHECK(contains(why, "reject.mp4"));
    CHECK(contains(why, "161x97"));
    CHECK(contains(why, "odd"));
  }

  TEST_CASE("PNG sequence has the right names and count and exact pixels") {
    const fs::path dir = unitscope::test::scratch_dir("record_png") / "made_by_recorder";
    const Synthetic synthetic{41, 37};
    PngSequenceOptions options;
    options.width = synthetic.width;
    options.height = synthetic.height;
    options.queue_frames = 2;
    PngSequenceRecorder recorder(dir, options);
    constexpr int kFrames = 6;
    for (int i = 0; i < kFrames; ++i) recorder.push(synthetic.frame(i));
    recorder.finish();
    CHECK(recorder.frames_written() == kFrames);

    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    REQUIRE(names.size() == std::size_t(kFrames));
    CHECK(names.front() == "frame_000000.png");
    CHECK(names.back() == "frame_000005.png");
    CHECK(png_sequence_path(dir, "frame_", 1234567) == dir / "frame_1234567.png");

    for (int i = 0; i < kFrames; ++i) {
      int w = 0, h = 0, c = 0;
      const fs::path file = dir / names[std::size_t(i)];
      stbi_uc* data = stbi_load(file.c_str(), &w, &h, &c, 4);
      REQUIRE(data != nullptr);
      std::vector<std::uint8_t> back(data, data + std::size_t(w) * h * 4);
      stbi_image_free(data);
      CHECK(w == synthetic.width);
      CHECK(h == synthetic.height);
      CHECK(back == synthetic.frame(i));
    }
  }

  TEST_CASE("frame ring keeps exactly the last N frames in order and saves them") {
    const fs::path dir = unitscope::test::scratch_dir("record_ring");
    const Synthetic synthetic{96, 64};
    CHECK(FrameRing::capacity_for(30, 2.0) == 60);
    CHECK(FrameRing::capacity_for(30, 0.01) == 1);
    FrameRing ring(synthetic.width, synthetic.height, 5);
    CHECK(ring.size() == 0);
    for (int i = 0; i < 3; ++i) ring.push(synthetic.frame(i));
    CHECK(ring.size() == 3);
    CHECK(ring.frame_number(0) == 0);
    CHECK(std::equal(ring.frame(2).begin(), ring.frame(2).end(), synthetic.frame(2).begin()));
    for (int i = 3; i < 12; ++i) ring.push(synthetic.frame(i));
    REQUIRE(ring.size() == 5);
    CHECK(ring.total_pushed() == 12);
    for (std::size_t k = 0; k < 5; ++k) {
      const int expected = 7 + int(k);
      CHECK(ring.frame_number(k) == expected);
      const auto want = synthetic.frame(expected);
      CHECK(std::equal(ring.frame(k).begin(), ring.frame(k).end(), want.begin(), want.end()));
    }

    ring.save_png_sequence(dir / "png", "last_");
    for (int k = 0; k < 5; ++k) {
      int w = 0, h = 0, c = 0;
      const fs::path file = png_sequence_path(dir / "png", "last_", k);
      stbi_uc* data = stbi_load(file.c_str(), &w, &h, &c, 4);
      REQUIRE(data != nullptr);
      std::vector<std::uint8_t> back(data, data + std::size_t(w) * h * 4);
      stbi_image_free(data);
      CHECK(back == synthetic.frame(7 + k));
    }
    CHECK_FALSE(fs::exists(png_sequence_path(dir / "png", "last_", 5)));

    VideoOptions options;
    options.fps = 30;
    options.preset = "ultrafast";
    ring.save_mp4(dir / "last3.mp4", options, 3);
    const Decoded video = decode_mp4(dir / "last3.mp4");
    REQUIRE(video.frames.size() == 3);
    for (int k = 0; k < 3; ++k) check_content(video, std::size_t(k), synthetic, 9 + k);

    ring.clear();
    CHECK(ring.size() == 0);
    CHECK(contains(message_of([&] { ring.save_mp4(dir / "empty.mp4", options); }), "empty"));
    options.width = 10;
    options.height = 10;
    ring.push(synthetic.frame(0));
    CHECK(contains(message_of([&] { ring.save_mp4(dir / "size.mp4", options); }), "96x64"));
  }

  TEST_CASE("bounded queue: push blocks instead of buffering without limit") {
    const fs::path dir = unitscope::test::scratch_dir("record_backpressure");
    const Synthetic synthetic{320, 192};
    VideoOptions options;
    options.width = synthetic.width;
    options.height = synthetic.height;
    options.preset = "medium";  // slower than the pushes below, so the queue fills
    options.queue_frames = 2;
    VideoRecorder recorder(dir / "bp.mp4", options);
    const auto frame = synthetic.frame(3);
    std::int64_t most_waiting = 0;
    for (int i = 0; i < 30; ++i) {
      recorder.push(frame);
      most_waiting = std::max(most_waiting, recorder.frames_pushed() - recorder.frames_encoded());
    }
    // At most queue_frames waiting plus the one the encoder thread is working on.
    CHECK(most_waiting <= options.queue_frames + 1);
    CHECK(most_waiting >= 1);
    recorder.finish();
    CHECK(decode_mp4(dir / "bp.mp4").frames.size() == 30);
  }

  TEST_CASE("worker keeps the first consumer error and unblocks a waiting push") {
    std::vector<std::int64_t> seen;
    RecordWorker worker(1, [&](std::span<const std::uint8_t> frame, std::int64_t index) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // pushes outrun the consumer
      if (index == 3) throw RecordError("sink: frame " + std::to_string(index) + " broke");
      seen.push_back(frame[0] + 1000 * index);
    });
    std::string why;
    int accepted = 0;
    try {
      for (int i = 0; i < 100; ++i, ++accepted)
        worker.push(std::vector<std::uint8_t>{std::uint8_t(i)});
    } catch (const RecordError& error) {
      why = error.what();
    }
    CHECK(why == "sink: frame 3 broke");
    CHECK(accepted >= 4);
    CHECK(accepted <= 6);  // capacity 1: at most one waiting and one in flight past frame 3
    CHECK(contains(message_of([&] { worker.finish(); }), "frame 3 broke"));
    CHECK(worker.frames_consumed() == 3);
    CHECK(seen == std::vector<std::int64_t>{0, 1001, 2002});
  }

  TEST_CASE("bad input gives clear errors naming the path") {
    const fs::path dir = unitscope::test::scratch_dir("record_errors");
    VideoOptions options;
    options.width = 64;
    options.height = 48;

    std::string why = message_of([&] { VideoRecorder(dir / "no_such_dir" / "a.mp4", options); });
    CHECK(contains(why, "no_such_dir"));
    CHECK(contains(why, "does not exist"));

    std::ofstream(dir / "a_file") << "x";
    why = message_of([&] { VideoRecorder(dir / "a_file" / "a.mp4", options); });
    CHECK(contains(why, "a_file"));
    why = message_of([&] { PngSequenceRecorder(dir / "a_file" / "seq", {64, 48}); });
    CHECK(contains(why, "a_file"));
    CHECK(contains(why, "PNG sequence"));

    VideoOptions zero = options;
    zero.width = 0;
    why = message_of([&] { VideoRecorder(dir / "zero.mp4", zero); });
    CHECK(contains(why, "zero.mp4"));
    CHECK(contains(why, "0x48"));
    why = message_of([&] { PngSequenceRecorder(dir / "zero_png", {0, 0}); });
    CHECK(contains(why, "0x0"));
    CHECK(contains(message_of([] { FrameRing(0, 10, 4); }), "0x10"));
    CHECK(contains(message_of([] { FrameRing(10, 10, 0); }), "capacity"));

    VideoOptions bad_preset = options;
    bad_preset.preset = "warpspeed";
    why = message_of([&] { VideoRecorder(dir / "preset.mp4", bad_preset); });
    CHECK(contains(why, "warpspeed"));
    CHECK(contains(why, "preset.mp4"));

    // A frame of the wrong size is refused on the caller's thread; the recording goes on.
    const Synthetic synthetic{64, 48};
    VideoRecorder recorder(dir / "sizes.mp4", options);
    recorder.push(synthetic.frame(0));
    std::vector<std::uint8_t> short_frame(64 * 48 * 3);
    why = message_of([&] { recorder.push(short_frame); });
    CHECK(contains(why, "sizes.mp4"));
    CHECK(contains(why, "frame 1"));
    CHECK(contains(why, "9216 bytes"));
    CHECK(contains(why, "64x48x4"));
    recorder.push(synthetic.frame(1));
    recorder.finish();
    CHECK(contains(message_of([&] { recorder.push(synthetic.frame(2)); }), "after finish"));
    CHECK(decode_mp4(dir / "sizes.mp4").frames.size() == 2);

    FrameRing ring(64, 48, 2);
    why = message_of([&] { ring.push(short_frame); });
    CHECK(contains(why, "frame ring"));
    CHECK(contains(why, "64x48x4"));
  }

  TEST_CASE("an encoder-thread failure reaches the caller from push or finish") {
    const fs::path dir = unitscope::test::scratch_dir("record_thread_fail");
    // Fresh noise every frame does not compress, so the file soon passes a 64 KiB size limit and
    // writes fail with EFBIG on the encoder thread (SIGXFSZ ignored), after the header went out.
    const int side = 256;
    std::vector<std::uint8_t> noise(std::size_t(side) * side * 4);
    std::uint32_t state = 12345;
    auto next_noise = [&]() -> const std::vector<std::uint8_t>& {
      for (auto& byte : noise) {
        state = state * 1664525u + 1013904223u;
        byte = std::uint8_t(state >> 24);
      }
      return noise;
    };
    VideoOptions options;
    options.width = side;
    options.height = side;
    options.preset = "ultrafast";
    options.crf = 0;
    options.queue_frames = 2;
    std::string why;
    {
      const FileSizeLimit limit(64 * 1024);
      VideoRecorder recorder(dir / "too_big.mp4", options);
      why = message_of([&] {
        for (int i = 0; i < 60; ++i) recorder.push(next_noise());
        recorder.finish();
      });
      // Sticky: every later call reports the same failure.
      CHECK(message_of([&] { recorder.finish(); }) == why);
      CHECK(message_of([&] { recorder.push(noise); }) == why);
    }
    CHECK(contains(why, "too_big.mp4"));
    CHECK(contains(why, "failed"));

    // A PNG directory that vanishes mid-recording.
    PngSequenceRecorder png(dir / "seq", {16, 16});
    fs::remove_all(dir / "seq");
    why = message_of([&] {
      png.push(std::vector<std::uint8_t>(16 * 16 * 4, 7));
      png.finish();
    });
    CHECK(contains(why, "frame_000000.png"));
    CHECK(contains(why, "cannot open"));
  }
}
