// Merging, serialising and publishing the snapshot.
#include "exporter/snapshot.h"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <ostream>
#include <sstream>
#include <streambuf>
#include <string_view>

#include "exporter/gzip.h"

namespace mexp {

std::vector<prometheus::MetricFamily> merge_families(
    std::vector<prometheus::MetricFamily> families) {
  std::map<std::string, prometheus::MetricFamily> by_name;
  for (auto& family : families) {
    auto [it, inserted] = by_name.try_emplace(family.name);
    if (inserted) {
      it->second = std::move(family);
    } else {
      auto& metrics = it->second.metric;
      metrics.insert(metrics.end(), std::make_move_iterator(family.metric.begin()),
                     std::make_move_iterator(family.metric.end()));
    }
  }
  std::vector<prometheus::MetricFamily> merged;
  merged.reserve(by_name.size());
  for (auto& [name, family] : by_name) {
    // A family whose collector produced no series this poll is left out entirely: HELP/TYPE
    // without samples only adds noise.
    if (!family.metric.empty()) merged.push_back(std::move(family));
  }
  return merged;
}

std::string serialize_text(const std::vector<prometheus::MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return std::move(out).str();
}

namespace {

// Appends what an ostream writes to a string, leaving out its first `skip` bytes: the serialiser
// writes a family's header before its samples and only the samples are wanted. The samples thus
// go straight into the string they are kept in, not through an ostringstream and a substr() copy.
class AppendBuffer final : public std::streambuf {
 public:
  AppendBuffer(std::string& target, std::size_t skip) : target_(target), skip_(skip) {
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }
  AppendBuffer(const AppendBuffer&) = delete;
  AppendBuffer& operator=(const AppendBuffer&) = delete;
  ~AppendBuffer() override { drain(); }

 protected:
  int_type overflow(int_type character) override {
    drain();
    if (traits_type::eq_int_type(character, traits_type::eof())) return traits_type::not_eof(0);
    *pptr() = traits_type::to_char_type(character);
    pbump(1);
    return character;
  }
  int sync() override {
    drain();
    return 0;
  }

 private:
  void drain() {
    std::string_view written(pbase(), static_cast<std::size_t>(pptr() - pbase()));
    const std::size_t skipped = std::min(skip_, written.size());
    skip_ -= skipped;
    target_.append(written.substr(skipped));
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }

  std::string& target_;
  std::size_t skip_;
  std::array<char, 16 * 1024> buffer_{};
};

// Whether a store key is `target`'s own or one of its parts (`<target><separator>…`).
bool belongs_to(const std::string& key, const std::string& target) {
  return key == target || (key.size() > target.size() && key.starts_with(target) &&
                           key[target.size()] == kStoreMemberSeparator);
}

}  // namespace

void FamilyTextsBuilder::add(std::vector<prometheus::MetricFamily> families) {
  const prometheus::TextSerializer serializer;
  std::vector<prometheus::MetricFamily> one(1);
  for (auto& family : families) {
    // The header is what the serialiser writes for the family without its series; the rest of
    // the family's text is its samples.
    one[0] = {family.name, family.help, family.type, {}};
    std::string header = serializer.Serialize(one);
    const std::size_t header_bytes = header.size();
    auto known = std::find_if(texts_.begin(), texts_.end(),
                              [&](const Building& text) { return text.name == family.name; });
    if (known == texts_.end()) {
      texts_.push_back({family.name, std::move(header), {}});
      known = std::prev(texts_.end());
    }
    if (family.metric.empty()) continue;
    one[0] = std::move(family);
    std::string samples;
    {
      AppendBuffer buffer(samples, header_bytes);
      std::ostream out(&buffer);
      serializer.Serialize(out, one);
    }
    known->pieces.push_back(std::move(samples));
    one[0] = {};  // frees this family's series now, not with the whole chunk
  }
}

FamilyTexts FamilyTextsBuilder::finish() && {
  auto texts = std::make_shared<std::vector<FamilyText>>();
  texts->reserve(texts_.size());
  for (auto& building : texts_) {
    // Joined once at the end, to the exact size, rather than appended to one string per chunk:
    // a growing string holds up to twice its text, and copies it at every doubling.
    std::size_t bytes = 0;
    for (const auto& piece : building.pieces) bytes += piece.size();
    std::string samples;
    samples.reserve(bytes);
    for (auto& piece : building.pieces) {
      samples += piece;
      std::string().swap(piece);  // the text is held once, plus one piece
    }
    texts->push_back({std::move(building.name), std::move(building.header), std::move(samples)});
  }
  texts_.clear();
  return texts;
}

FamilyTexts serialize_families(std::vector<prometheus::MetricFamily> families) {
  FamilyTextsBuilder builder;
  builder.add(std::move(families));
  return std::move(builder).finish();
}

SnapshotStore::SnapshotStore(Source self_metrics) : self_metrics_(std::move(self_metrics)) {
  std::lock_guard lock(mutex_);
  rebuild_locked();
}

void SnapshotStore::publish(const std::string& target, std::vector<FamilyTexts> parts) {
  std::lock_guard lock(mutex_);
  targets_[target] = std::move(parts);
  rebuild_locked();
}

void SnapshotStore::remove(const std::string& target) {
  std::lock_guard lock(mutex_);
  std::erase_if(targets_, [&](const auto& entry) { return belongs_to(entry.first, target); });
  rebuild_locked();
}

void SnapshotStore::remove_part(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (targets_.erase(key) > 0) rebuild_locked();
}

std::string Snapshot::joined_text() const {
  std::string joined;
  joined.reserve(text_bytes);
  for (const auto piece : text) joined += piece;
  return joined;
}

void SnapshotStore::rebuild_locked() {
  std::vector<FamilyTexts> parts;
  parts.push_back(serialize_families(self_metrics_ ? self_metrics_()
                                                   : std::vector<prometheus::MetricFamily>{}));
  for (const auto& [target, target_parts] : targets_)
    parts.insert(parts.end(), target_parts.begin(), target_parts.end());
  current_.store(assemble_snapshot(std::move(parts), true));
}

std::shared_ptr<const Snapshot> SnapshotStore::render_target(const std::string& target) const {
  std::vector<FamilyTexts> parts;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, target_parts] : targets_) {
      if (belongs_to(key, target))
        parts.insert(parts.end(), target_parts.begin(), target_parts.end());
    }
  }
  if (parts.empty()) return nullptr;
  return assemble_snapshot(std::move(parts), false);
}

std::shared_ptr<Snapshot> assemble_snapshot(std::vector<FamilyTexts> parts, bool compress) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->parts = std::move(parts);
  std::vector<const FamilyText*> all;
  for (const auto& part : snapshot->parts) {
    for (const auto& family : *part) all.push_back(&family);
  }
  // By name, and within one name in the order published: the first header wins and the samples
  // are concatenated, as merge_families() does.
  std::stable_sort(all.begin(), all.end(),
                   [](const FamilyText* a, const FamilyText* b) { return a->name < b->name; });
  std::vector<std::string_view> pieces;
  const auto add = [&](std::string_view piece) {
    if (!piece.empty()) pieces.push_back(piece);
  };
  for (auto first = all.begin(); first != all.end();) {
    const auto last = std::find_if(
        first, all.end(), [&](const FamilyText* family) { return family->name != (*first)->name; });
    // A family without series this poll is left out entirely: HELP/TYPE alone only add noise.
    if (std::any_of(first, last,
                    [](const FamilyText* family) { return !family->samples.empty(); })) {
      add((*first)->header);
      for (auto it = first; it != last; ++it) add((*it)->samples);
    }
    first = last;
  }
  // Small pieces (headers, small families) are copied into one buffer, reserved up front so that
  // the views into it stay valid; consecutive ones become one view.
  std::size_t glue_bytes = 0;
  for (const auto piece : pieces) {
    if (piece.size() < Snapshot::kSharedPieceBytes) glue_bytes += piece.size();
  }
  auto& glue = snapshot->glue;
  glue.reserve(glue_bytes);
  for (const auto piece : pieces) {
    snapshot->text_bytes += piece.size();
    if (piece.size() >= Snapshot::kSharedPieceBytes) {
      snapshot->text.push_back(piece);
      continue;
    }
    const char* start = glue.data() + glue.size();
    glue.append(piece);
    auto& text = snapshot->text;
    if (!text.empty() && text.back().data() + text.back().size() == start) {
      text.back() = {text.back().data(), text.back().size() + piece.size()};
    } else {
      text.emplace_back(start, piece.size());
    }
  }
  if (compress) {
    snapshot->gzip = gzip_compress(snapshot->text);
    snapshot->gzip_body = {snapshot->gzip};
  }
  snapshot->created = std::chrono::system_clock::now();
  return snapshot;
}

}  // namespace mexp
