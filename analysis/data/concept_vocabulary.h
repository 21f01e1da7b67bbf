// A segmenter's vocabulary, from its sidecar: which output channels are which concept, in which
// category, head by head, with each head's confidence floor and resolution. Torch-free.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <vector>

namespace unitscope::analysis {

// One label plane per head. Its channels are the output's [first_channel, first_channel +
// channels.size()); a softmax over them picks each pixel's channel. A channel named "-" (or "")
// is no concept: its pixels stay unlabelled. Channels that share a name are a group: one concept.
struct SegmenterHead {
  std::string name;                   // for messages: "object", "colour"
  std::string category;               // the Broden category its plane is scored in
  int first_channel = 0;
  std::vector<std::string> channels;  // the concept of each channel
  double min_confidence = 0.0;        // pixels whose top probability is lower stay unlabelled
  int size = 0;                       // runs on images stretched to size x size; 0: the model's size

  bool operator==(const SegmenterHead&) const = default;
};

struct Concept {
  std::string name;
  std::string category;  // the first head's that names it
};

struct SegmenterVocabulary {
  std::vector<std::string> categories;  // every head's category is one of these, in this order
  std::vector<SegmenterHead> heads;

  bool operator==(const SegmenterVocabulary&) const = default;
  // One past the last channel a head reads: the output must have exactly this many channels.
  int channel_count() const;
  // Concept numbers as label numbers: [0] is "no concept", then each distinct name in the order
  // the heads first name it.
  std::vector<Concept> concepts() const;
  // For each head, the concept number of each of its channels (0 for "-").
  std::vector<std::vector<int>> channel_numbers() const;
  // "colour (channels 0..3: crimson, azure, ...), shape (4..7: ...)", for messages.
  std::string describe() const;
};

// Broden's pixel categories, the default when a sidecar lists none.
std::vector<std::string> default_concept_categories();

// The "segmenter" object of a sidecar. Throws Error naming `where` and the head for a missing
// key, an empty head, a category that is not listed, a bad floor or size, or heads that overlap.
SegmenterVocabulary vocabulary_from_json(const nlohmann::json& j, const std::string& where);
nlohmann::json vocabulary_to_json(const SegmenterVocabulary& v);

// A sidecar that only lists "classes": one head of category "object" over all of them.
SegmenterVocabulary vocabulary_from_classes(const std::vector<std::string>& classes);

bool is_no_concept(const std::string& channel);

}  // namespace unitscope::analysis
