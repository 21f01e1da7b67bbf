#include "render/video_recorder.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

namespace unitscope::render {

namespace {

constexpr std::array<const char*, 10> kX264Presets = {
    "ultrafast", "superfast", "veryfast", "faster",   "fast",
    "medium",    "slow",      "slower",   "veryslow", "placebo"};

std::string av_error_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return text;
}

struct FormatDeleter {
  void operator()(AVFormatContext* format) const {
    if (format->pb != nullptr) avio_closep(&format->pb);
    avformat_free_context(format);
  }
};
struct CodecDeleter {
  void operator()(AVCodecContext* codec) const { avcodec_free_context(&codec); }
};
struct FrameDeleter {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
struct PacketDeleter {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
struct SwsDeleter {
  void operator()(SwsContext* sws) const { sws_freeContext(sws); }
};

std::string describe(const std::filesystem::path& path) { return "video '" + path.string() + "'"; }

void validate(const std::string& what, const VideoOptions& options) {
  rgba_frame_bytes(what, options.width, options.height);
  if (!options.pad_odd_size && (options.width % 2 != 0 || options.height % 2 != 0)) {
    throw RecordError(what + ": frame size " + std::to_string(options.width) + "x" +
                      std::to_string(options.height) +
                      " has an odd side; H.264 yuv420p needs even sides (set pad_odd_size or "
                      "render at an even size)");
  }
  if (options.fps < 1 || options.fps > 1000) {
    throw RecordError(what + ": fps " + std::to_string(options.fps) + " is outside 1..1000");
  }
  if (std::find(kX264Presets.begin(), kX264Presets.end(), options.preset) == kX264Presets.end()) {
    throw RecordError(what + ": unknown x264 preset '" + options.preset +
                      "' (use ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, "
                      "veryslow or placebo)");
  }
  if (options.crf < 0 || options.crf > 51) {
    throw RecordError(what + ": crf " + std::to_string(options.crf) + " is outside 0..51");
  }
  if (options.threads < 0) {
    throw RecordError(what + ": threads " + std::to_string(options.threads) + " is negative");
  }
  if (options.queue_frames < 1) {
    throw RecordError(what + ": queue_frames " + std::to_string(options.queue_frames) +
                      " must be at least 1");
  }
}

}  // namespace

struct Mp4Writer::State {
  std::filesystem::path path;
  std::string what;
  VideoOptions options;
  int encoded_width = 0;
  int encoded_height = 0;
  // Declared in creation order so that destruction runs in reverse.
  std::unique_ptr<AVFormatContext, FormatDeleter> format;
  AVStream* stream = nullptr;  // owned by format
  std::unique_ptr<AVCodecContext, CodecDeleter> codec;
  std::unique_ptr<AVFrame, FrameDeleter> frame;
  std::unique_ptr<AVPacket, PacketDeleter> packet;
  std::unique_ptr<SwsContext, SwsDeleter> sws;
  std::vector<std::uint8_t> padded;  // RGBA at the encoded size; used only for odd sides
  std::int64_t next_pts = 0;
  bool file_created = false;
  bool finished = false;

  [[noreturn]] void fail(const std::string& doing, int code) const {
    throw RecordError(what + ": " + doing + " failed: " + av_error_text(code));
  }

  void open();
  void write_packets();
  std::span<const std::uint8_t> pad_to_even(std::span<const std::uint8_t> rgba);
};

void Mp4Writer::State::open() {
  static std::once_flag log_level_once;
  std::call_once(log_level_once, [] { av_log_set_level(AV_LOG_WARNING); });

  const std::filesystem::path parent = path.has_parent_path() ? path.parent_path() : ".";
  std::error_code ignored;
  if (!std::filesystem::is_directory(parent, ignored)) {
    throw RecordError(what + ": directory '" + parent.string() + "' does not exist");
  }

  AVFormatContext* raw_format = nullptr;
  // The container is named rather than guessed from the extension, so any file name works.
  int result = avformat_alloc_output_context2(&raw_format, nullptr, "mp4", path.c_str());
  if (result < 0 || raw_format == nullptr) fail("setting up the MP4 muxer", result);
  format.reset(raw_format);

  const AVCodec* encoder = avcodec_find_encoder_by_name("libx264");
  if (encoder == nullptr) {
    throw RecordError(what + ": this FFmpeg has no libx264 encoder");
  }
  stream = avformat_new_stream(format.get(), nullptr);
  if (stream == nullptr) fail("adding the video stream", AVERROR(ENOMEM));
  codec.reset(avcodec_alloc_context3(encoder));
  if (!codec) fail("allocating the encoder", AVERROR(ENOMEM));

  AVCodecContext& c = *codec;
  c.width = encoded_width;
  c.height = encoded_height;
  c.pix_fmt = AV_PIX_FMT_YUV420P;
  c.time_base = AVRational{1, options.fps};
  c.framerate = AVRational{options.fps, 1};
  c.gop_size = 2 * options.fps;  // a keyframe every 2 s keeps seeking in an editor quick
  c.thread_count = options.threads;
  c.color_range = AVCOL_RANGE_MPEG;
  c.colorspace = AVCOL_SPC_BT709;
  c.color_primaries = AVCOL_PRI_BT709;
  c.color_trc = AVCOL_TRC_BT709;
  if ((format->oformat->flags & AVFMT_GLOBALHEADER) != 0) c.flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

  AVDictionary* codec_options = nullptr;
  av_dict_set(&codec_options, "preset", options.preset.c_str(), 0);
  av_dict_set(&codec_options, "crf", std::to_string(options.crf).c_str(), 0);
  result = avcodec_open2(&c, encoder, &codec_options);
  av_dict_free(&codec_options);
  if (result < 0) fail("opening libx264 (preset " + options.preset + ")", result);

  result = avcodec_parameters_from_context(stream->codecpar, &c);
  if (result < 0) fail("copying encoder parameters", result);
  stream->time_base = c.time_base;  // a hint: the MP4 muxer picks its own finer time base
  stream->avg_frame_rate = c.framerate;

  // "file:" stops a name like "pipe:1" or "http:x" from being taken as another protocol.
  result = avio_open(&format->pb, ("file:" + path.string()).c_str(), AVIO_FLAG_WRITE);
  if (result < 0) fail("opening the file for writing", result);
  file_created = true;
  result = avformat_write_header(format.get(), nullptr);
  if (result < 0) fail("writing the MP4 header", result);

  frame.reset(av_frame_alloc());
  packet.reset(av_packet_alloc());
  if (!frame || !packet) fail("allocating frame buffers", AVERROR(ENOMEM));
  frame->format = AV_PIX_FMT_YUV420P;
  frame->width = encoded_width;
  frame->height = encoded_height;
  result = av_frame_get_buffer(frame.get(), 0);
  if (result < 0) fail("allocating the YUV frame", result);

  // Same size in and out: swscale only converts. Odd sides are padded in RGBA beforehand, because
  // swscale leaves the last chroma column/row of an odd-sized yuv420p image partly unwritten.
  sws.reset(sws_getContext(encoded_width, encoded_height, AV_PIX_FMT_RGBA, encoded_width,
                           encoded_height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr,
                           nullptr));
  if (!sws) fail("setting up RGBA to YUV conversion", AVERROR(EINVAL));
  const int* bt709 = sws_getCoefficients(SWS_CS_ITU709);
  sws_setColorspaceDetails(sws.get(), bt709, /*srcRange=*/1, bt709, /*dstRange=*/0, 0, 1 << 16,
                           1 << 16);
}

void Mp4Writer::State::write_packets() {
  for (;;) {
    int result = avcodec_receive_packet(codec.get(), packet.get());
    if (result == AVERROR(EAGAIN) || result == AVERROR_EOF) return;
    if (result < 0) fail("encoding", result);
    // Every frame lasts exactly one tick; without this the last frame would get no duration.
    if (packet->duration == 0) packet->duration = 1;
    av_packet_rescale_ts(packet.get(), codec->time_base, stream->time_base);
    packet->stream_index = stream->index;
    result = av_interleaved_write_frame(format.get(), packet.get());
    if (result < 0) fail("writing frame data", result);
  }
}

// Repeats the last column and row, so no dark edge bleeds into the picture when scaled.
std::span<const std::uint8_t> Mp4Writer::State::pad_to_even(std::span<const std::uint8_t> rgba) {
  const int width = options.width;
  const int height = options.height;
  if (width == encoded_width && height == encoded_height) return rgba;
  const std::size_t in_row = std::size_t(width) * 4;
  const std::size_t out_row = std::size_t(encoded_width) * 4;
  padded.resize(out_row * std::size_t(encoded_height));
  for (int y = 0; y < encoded_height; ++y) {
    const std::uint8_t* from = rgba.data() + std::size_t(std::min(y, height - 1)) * in_row;
    std::uint8_t* to = padded.data() + std::size_t(y) * out_row;
    std::memcpy(to, from, in_row);
    if (encoded_width > width) std::memcpy(to + in_row, from + in_row - 4, 4);
  }
  return padded;
}

Mp4Writer::Mp4Writer(const std::filesystem::path& path, const VideoOptions& options)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.path = path;
  s.what = describe(path);
  s.options = options;
  validate(s.what, options);
  s.encoded_width = options.width + options.width % 2;
  s.encoded_height = options.height + options.height % 2;
  try {
    s.open();
  } catch (const RecordError&) {
    // Leave no truncated, headerless file behind (only ever a regular file: never /dev/null).
    const bool created = s.file_created;
    state_.reset();
    std::error_code ignored;
    if (created && std::filesystem::is_regular_file(path, ignored)) {
      std::filesystem::remove(path, ignored);
    }
    throw;
  }
}

Mp4Writer::~Mp4Writer() = default;

void Mp4Writer::write(std::span<const std::uint8_t> rgba) {
  State& s = *state_;
  if (s.finished) throw RecordError(s.what + ": write() after finish()");
  const int width = s.options.width;
  const int height = s.options.height;
  check_frame_size(s.what, s.next_pts, rgba.size(), width, height);

  // The encoder may still hold a reference to the previous frame's buffers.
  int result = av_frame_make_writable(s.frame.get());
  if (result < 0) s.fail("making the YUV frame writable", result);
  const std::span<const std::uint8_t> even = s.pad_to_even(rgba);
  const std::uint8_t* const source[4] = {even.data(), nullptr, nullptr, nullptr};
  const int source_stride[4] = {s.encoded_width * 4, 0, 0, 0};
  sws_scale(s.sws.get(), source, source_stride, 0, s.encoded_height, s.frame->data,
            s.frame->linesize);

  s.frame->pts = s.next_pts;
  result = avcodec_send_frame(s.codec.get(), s.frame.get());
  if (result < 0) s.fail("sending frame " + std::to_string(s.next_pts) + " to the encoder", result);
  ++s.next_pts;
  s.write_packets();
}

void Mp4Writer::finish() {
  State& s = *state_;
  if (s.finished) return;
  s.finished = true;  // a failed flush is not retried: the file is already broken
  int result = avcodec_send_frame(s.codec.get(), nullptr);
  if (result < 0) s.fail("flushing the encoder", result);
  s.write_packets();
  result = av_write_trailer(s.format.get());
  if (result < 0) s.fail("writing the MP4 trailer", result);
  result = avio_closep(&s.format->pb);
  if (result < 0) s.fail("closing the file", result);
}

int Mp4Writer::encoded_width() const { return state_->encoded_width; }
int Mp4Writer::encoded_height() const { return state_->encoded_height; }
std::int64_t Mp4Writer::frames_written() const { return state_->next_pts; }
const std::filesystem::path& Mp4Writer::path() const { return state_->path; }

VideoRecorder::VideoRecorder(const std::filesystem::path& path, const VideoOptions& options)
    : writer_(std::make_unique<Mp4Writer>(path, options)),
      width_(options.width),
      height_(options.height) {
  Mp4Writer* writer = writer_.get();
  worker_ = std::make_unique<RecordWorker>(
      std::size_t(options.queue_frames),
      [writer](std::span<const std::uint8_t> frame, std::int64_t) { writer->write(frame); });
}

VideoRecorder::~VideoRecorder() {
  if (finish_called_) return;  // the caller has seen any error already
  try {
    finish();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "unitscope: %s\n", error.what());
  }
}

void VideoRecorder::push(std::span<const std::uint8_t> rgba) {
  if (finish_called_) {
    worker_->finish();  // an encoder error matters more than the misuse: rethrow it first
    throw RecordError(describe(writer_->path()) + ": push() after finish()");
  }
  check_frame_size(describe(writer_->path()), frames_pushed(), rgba.size(), width_, height_);
  worker_->push(rgba);
}

void VideoRecorder::finish() {
  finish_called_ = true;
  worker_->finish();
  writer_->finish();
}

}  // namespace unitscope::render
