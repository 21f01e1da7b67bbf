#include "analysis/data/video_reader.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libswscale/swscale.h>
}

#include <cmath>
#include <string>

#include "analysis/data/error.h"

namespace unitscope::analysis {
namespace {

// A forward jump of at most this many frames decodes on instead of seeking.
constexpr std::int64_t kDecodeAhead = 16;

std::string av_message(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof(text));
  return text;
}

// Frame indices come from timestamps at this rate. A constant-rate file's base rate is exact where
// the average is not (a muxer that leaves the last frame without a duration shortens the file);
// a variable-rate file's base rate can be far above its average, which then serves better.
AVRational frame_rate(const AVStream* s) {
  const AVRational avg = s->avg_frame_rate, base = s->r_frame_rate;
  const bool avg_ok = avg.num > 0 && avg.den > 0, base_ok = base.num > 0 && base.den > 0;
  if (!avg_ok) return base;
  if (base_ok && std::abs(av_q2d(base) / av_q2d(avg) - 1.0) < 0.25) return base;
  return avg;
}

}  // namespace

struct VideoReader::Impl {
  std::string name;
  VideoInfo info;
  AVFormatContext* format = nullptr;
  AVCodecContext* codec = nullptr;
  AVPacket* packet = nullptr;
  AVFrame* decoded = nullptr;
  SwsContext* sws = nullptr;
  int stream = -1;
  AVRational time_base{0, 1};
  AVRational rate{0, 1};
  std::int64_t start_pts = 0;
  std::int64_t position = -1;
  bool demuxer_done = false;  // the decoder has been sent its end-of-stream flush
  bool decoder_done = false;  // and has given every frame back

  explicit Impl(const std::filesystem::path& path) : name(path.string()) {
    av_log_set_level(AV_LOG_WARNING);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
      throw Error("video " + name + " does not exist (or is not a file)");
    int rc = avformat_open_input(&format, name.c_str(), nullptr, nullptr);
    if (rc < 0) throw Error("cannot open video " + name + ": " + av_message(rc));
    try {
      open_decoder();
    } catch (...) {
      release();
      throw;
    }
  }
  ~Impl() { release(); }

  void release() {
    sws_freeContext(sws);
    av_frame_free(&decoded);
    av_packet_free(&packet);
    avcodec_free_context(&codec);
    avformat_close_input(&format);
  }

  void open_decoder() {
    int rc = avformat_find_stream_info(format, nullptr);
    if (rc < 0) throw Error("cannot read video " + name + ": " + av_message(rc));
    const AVCodec* decoder = nullptr;
    stream = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
    if (stream < 0 || !decoder)
      throw Error("video " + name + " has no video stream that FFmpeg can decode");
    const AVStream* s = format->streams[stream];
    codec = avcodec_alloc_context3(decoder);
    packet = av_packet_alloc();
    decoded = av_frame_alloc();
    if (!codec || !packet || !decoded) throw Error("out of memory opening video " + name);
    rc = avcodec_parameters_to_context(codec, s->codecpar);
    if (rc >= 0) rc = avcodec_open2(codec, decoder, nullptr);
    if (rc < 0) throw Error("cannot decode video " + name + ": " + av_message(rc));
    time_base = s->time_base;
    rate = frame_rate(s);
    if (rate.num <= 0 || rate.den <= 0) throw Error("video " + name + " has no frame rate");
    start_pts = s->start_time != AV_NOPTS_VALUE ? s->start_time : 0;
    info.width = codec->width;
    info.height = codec->height;
    info.fps = av_q2d(rate);
    if (s->duration != AV_NOPTS_VALUE && s->duration > 0) {
      info.duration_seconds = double(s->duration) * av_q2d(time_base);
    } else if (format->duration != AV_NOPTS_VALUE && format->duration > 0) {
      info.duration_seconds = double(format->duration) / AV_TIME_BASE;
    }
    info.frames = s->nb_frames > 0 ? s->nb_frames
                                   : std::int64_t(std::llround(info.duration_seconds * info.fps));
    if (info.width <= 0 || info.height <= 0) throw Error("video " + name + " has no frame size");
  }

  // The frame index of a decoded frame, from its presentation time; by count when it has none.
  std::int64_t index_of(const AVFrame* f) const {
    const std::int64_t pts = f->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE) return position + 1;
    return av_rescale_q_rnd(pts - start_pts, time_base, av_inv_q(rate),
                            AVRounding(AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX));
  }

  // Decodes the next frame into `decoded`; false at the end of the file.
  bool decode() {
    while (!decoder_done) {
      int rc = avcodec_receive_frame(codec, decoded);
      if (rc == 0) return true;
      if (rc == AVERROR_EOF) {
        decoder_done = true;
        break;
      }
      if (rc != AVERROR(EAGAIN)) throw Error("cannot decode video " + name + ": " + av_message(rc));
      if (demuxer_done) {  // EAGAIN after the flush would loop forever
        decoder_done = true;
        break;
      }
      rc = av_read_frame(format, packet);
      if (rc == AVERROR_EOF) {
        demuxer_done = true;
        rc = avcodec_send_packet(codec, nullptr);
      } else if (rc < 0) {
        throw Error("cannot read video " + name + ": " + av_message(rc));
      } else {
        if (packet->stream_index == stream) rc = avcodec_send_packet(codec, packet);
        av_packet_unref(packet);
      }
      // A damaged packet is skipped, as players do; the decoder resynchronises at the next one.
      if (rc < 0 && rc != AVERROR(EAGAIN) && rc != AVERROR_INVALIDDATA && rc != AVERROR_EOF) {
        throw Error("cannot decode video " + name + ": " + av_message(rc));
      }
    }
    return false;
  }

  Image to_rgb() {
    Image image(decoded->width, decoded->height, 3);
    sws = sws_getCachedContext(sws, decoded->width, decoded->height, AVPixelFormat(decoded->format),
                               image.width, image.height, AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr,
                               nullptr, nullptr);
    if (!sws) throw Error("cannot convert the frames of video " + name + " to RGB");
    std::uint8_t* planes[4] = {image.pixels.data(), nullptr, nullptr, nullptr};
    int strides[4] = {image.width * 3, 0, 0, 0};
    sws_scale(sws, decoded->data, decoded->linesize, 0, decoded->height, planes, strides);
    av_frame_unref(decoded);
    return image;
  }

  std::optional<Image> next() {
    if (!decode()) return std::nullopt;
    position = index_of(decoded);
    return to_rgb();
  }

  // Seeks to the keyframe at or before frame `index` (the file's start for index <= 0).
  void seek(std::int64_t index) {
    const std::int64_t ts =
        index <= 0 ? start_pts : start_pts + av_rescale_q(index, av_inv_q(rate), time_base);
    const int rc = avformat_seek_file(format, stream, INT64_MIN, ts, ts, 0);
    if (rc < 0) throw Error("cannot seek in video " + name + ": " + av_message(rc));
    avcodec_flush_buffers(codec);
    demuxer_done = decoder_done = false;
    position = -1;
  }

  std::optional<Image> frame(std::int64_t index) {
    if (index < 0) return std::nullopt;
    if (index > position && index - position <= kDecodeAhead && !decoder_done) {
      while (decode()) {
        position = index_of(decoded);
        if (position >= index) return to_rgb();
        av_frame_unref(decoded);
      }
      return std::nullopt;
    }
    // Where a seek lands past the frame (an index kept by decode time), seek again further back.
    for (std::int64_t back = 0;; back = back ? back * 2 : 1) {
      const std::int64_t target = index - back * kDecodeAhead;
      seek(target);
      bool first = true;
      while (decode()) {
        position = index_of(decoded);
        if (position < index) {
          av_frame_unref(decoded);
          first = false;
          continue;
        }
        // A frame missing from the file (variable rate) gives the one after it.
        if (position == index || !first || target <= 0) return to_rgb();
        break;
      }
      if (decoder_done) return std::nullopt;  // the file ends before the frame
      av_frame_unref(decoded);
    }
  }
};

VideoReader::VideoReader(const std::filesystem::path& path) : impl_(std::make_unique<Impl>(path)) {}
VideoReader::~VideoReader() = default;

const VideoInfo& VideoReader::info() const { return impl_->info; }
std::optional<Image> VideoReader::next() { return impl_->next(); }
std::optional<Image> VideoReader::frame(std::int64_t index) { return impl_->frame(index); }
std::int64_t VideoReader::position() const { return impl_->position; }

}  // namespace unitscope::analysis
