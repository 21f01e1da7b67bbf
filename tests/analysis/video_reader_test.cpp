// VideoReader on a small H.264 (or MPEG-4) file written here: frame i is gray level 16 + 7i, so
// every decoded frame says which one it is.
#include <doctest/doctest.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
}

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "analysis/data/error.h"
#include "analysis/data/video_reader.h"
#include "test_paths.h"

using namespace unitscope::analysis;

namespace {

constexpr int kFrames = 32, kWidth = 64, kHeight = 48, kFps = 25;

void ok(int rc, const char* what) {
  if (rc < 0) throw std::runtime_error(std::string("writing the test video: ") + what);
}

// 32 frames, a keyframe every 8 and B-frames where the encoder has them, so seeks and reordering
// are exercised.
std::filesystem::path write_test_video(const std::filesystem::path& dir) {
  av_log_set_level(AV_LOG_WARNING);
  const std::filesystem::path path = dir / "count.mp4";
  const AVCodec* encoder = avcodec_find_encoder_by_name("libx264");
  if (!encoder) encoder = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
  REQUIRE(encoder);
  AVFormatContext* out = nullptr;
  ok(avformat_alloc_output_context2(&out, nullptr, nullptr, path.c_str()), "container");
  AVStream* stream = avformat_new_stream(out, nullptr);
  AVCodecContext* c = avcodec_alloc_context3(encoder);
  c->width = kWidth;
  c->height = kHeight;
  c->pix_fmt = AV_PIX_FMT_YUV420P;
  c->time_base = {1, kFps};
  c->framerate = {kFps, 1};
  c->gop_size = 8;
  c->max_b_frames = 2;
  if (out->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  ok(avcodec_open2(c, encoder, nullptr), "encoder");
  ok(avcodec_parameters_from_context(stream->codecpar, c), "parameters");
  stream->time_base = c->time_base;
  ok(avio_open(&out->pb, path.c_str(), AVIO_FLAG_WRITE), "file");
  ok(avformat_write_header(out, nullptr), "header");
  AVFrame* frame = av_frame_alloc();
  frame->format = c->pix_fmt;
  frame->width = kWidth;
  frame->height = kHeight;
  ok(av_frame_get_buffer(frame, 0), "frame");
  AVPacket* packet = av_packet_alloc();
  auto drain = [&] {
    while (avcodec_receive_packet(c, packet) == 0) {
      packet->duration = 1;  // else MP4's edit list ends a frame early and the last one is dropped
      av_packet_rescale_ts(packet, c->time_base, stream->time_base);
      packet->stream_index = stream->index;
      ok(av_interleaved_write_frame(out, packet), "packet");
    }
  };
  for (int i = 0; i <= kFrames; ++i) {
    if (i == kFrames) {
      ok(avcodec_send_frame(c, nullptr), "flush");
    } else {
      ok(av_frame_make_writable(frame), "writable");
      for (int p = 0; p < 3; ++p) {
        const int h = p == 0 ? kHeight : kHeight / 2;
        for (int y = 0; y < h; ++y) {
          std::fill_n(frame->data[p] + y * frame->linesize[p], p == 0 ? kWidth : kWidth / 2,
                      std::uint8_t(p == 0 ? 16 + 7 * i : 128));
        }
      }
      frame->pts = i;
      ok(avcodec_send_frame(c, frame), "frame");
    }
    drain();
  }
  ok(av_write_trailer(out), "trailer");
  av_packet_free(&packet);
  av_frame_free(&frame);
  avcodec_free_context(&c);
  avio_closep(&out->pb);
  avformat_free_context(out);
  return path;
}

// Which frame an image is, from its mean red level (gray = (Y - 16) * 255 / 219).
int frame_number(const Image& image) {
  double sum = 0.0;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) sum += image.at(x, y)[0];
  }
  const double red = sum / (double(image.width) * image.height);
  return int(std::lround(red * 219.0 / 255.0 / 7.0));
}

// One file per test case: CTest may run the cases as parallel processes.
std::filesystem::path test_video(const std::string& name) {
  return write_test_video(unitscope::test::scratch_dir("video_reader_" + name));
}

}  // namespace

TEST_SUITE("video") {
  TEST_CASE("a video's size and frame rate and frame count are read") {
    VideoReader video(test_video("info"));
    CHECK(video.info().width == kWidth);
    CHECK(video.info().height == kHeight);
    CHECK(video.info().fps == doctest::Approx(kFps));
    CHECK(video.info().frames == kFrames);
    CHECK(video.info().duration_seconds == doctest::Approx(double(kFrames) / kFps).epsilon(0.05));
    CHECK(video.position() == -1);
  }

  TEST_CASE("next() gives every frame in order and then nullopt") {
    VideoReader video(test_video("next"));
    for (int i = 0; i < kFrames; ++i) {
      CAPTURE(i);
      const auto image = video.next();
      REQUIRE(image);
      CHECK(image->width == kWidth);
      CHECK(image->height == kHeight);
      CHECK(image->channels == 3);
      CHECK(frame_number(*image) == i);
      CHECK(video.position() == i);
    }
    CHECK_FALSE(video.next());
  }

  TEST_CASE("frame(k) gives frame k exactly after forward and backward seeks") {
    VideoReader video(test_video("seek"));
    for (int k : {0, 29, 5, 6, 7, 13, 31, 8, 3, 17, 16, 30, 1}) {
      CAPTURE(k);
      const auto image = video.frame(k);
      REQUIRE(image);
      CHECK(frame_number(*image) == k);
      CHECK(video.position() == k);
    }
    // Stepping on after a seek continues from there.
    const auto after = video.next();
    REQUIRE(after);
    CHECK(frame_number(*after) == 2);
    CHECK_FALSE(video.frame(kFrames));
    CHECK_FALSE(video.frame(kFrames + 100));
    CHECK_FALSE(video.frame(-1));
    const auto again = video.frame(4);
    REQUIRE(again);
    CHECK(frame_number(*again) == 4);
  }

  TEST_CASE("a missing or broken video throws an error naming the file") {
    const auto dir = unitscope::test::scratch_dir("video_reader_bad");
    const auto missing = dir / "nothing-here.mp4";
    try {
      VideoReader video(missing);
      FAIL("no error for a missing file");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("nothing-here.mp4") != std::string::npos);
    }
    const auto junk = dir / "junk.mp4";
    {
      std::FILE* f = std::fopen(junk.c_str(), "wb");
      REQUIRE(f);
      std::fputs("this is not a video at all", f);
      std::fclose(f);
    }
    try {
      VideoReader video(junk);
      FAIL("no error for a file that is not a video");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("junk.mp4") != std::string::npos);
    }
  }
}
