// The immutable snapshot /metrics serves, and the store that assembles it: pollers publish their
// target's families, the store merges them with the exporter's own, serialises and gzips ONCE,
// and swaps the result in atomically. A scrape only copies a shared_ptr.
#pragma once

#include <prometheus/metric_family.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mexp {

struct FamilyText;
using FamilyTexts = std::shared_ptr<const std::vector<FamilyText>>;

// The body in the Prometheus text exposition format 0.0.4 is the concatenation of `text`: views
// into the serialised families in `parts`, which the snapshot keeps alive, for every piece of at
// least kSharedPieceBytes; the smaller pieces between them are copied together into `glue`. The
// text of large families is thus held once, by the collector run that produced it, and served
// without being copied, while a scrape stays a few large writes.
struct Snapshot {
  static constexpr std::size_t kSharedPieceBytes = 256 * 1024;
  std::vector<FamilyTexts> parts;
  std::string glue;
  std::vector<std::string_view> text;
  std::size_t text_bytes = 0;
  std::string gzip;                         // the same bytes, gzip-compressed
  std::vector<std::string_view> gzip_body;  // {gzip}, in the shape of `text`
  std::chrono::system_clock::time_point created;
  std::string joined_text() const;  // one string (a copy: for tests)
};

// Concatenates families of the same name (the format needs one HELP/TYPE block per name) and sorts
// families by name so that the output is stable.
std::vector<prometheus::MetricFamily> merge_families(
    std::vector<prometheus::MetricFamily> families);
std::string serialize_text(const std::vector<prometheus::MetricFamily>& families);

// One family already in the text format. A collector's families are serialised once, right after
// it ran, and only their text is kept: a snapshot is then assembled from text when any collector
// or target publishes, instead of keeping, copying and re-serialising every series object (which
// weigh ~10 times their text).
struct FamilyText {
  std::string name;
  std::string header;   // its "# HELP" and "# TYPE" lines
  std::string samples;  // its sample lines; empty when it had no series
};
FamilyTexts serialize_families(std::vector<prometheus::MetricFamily> families);

// Serialises a collector run's families as they are handed over, in chunks (see
// CollectContext::emit), into one FamilyText per name: the samples of a name are appended in the
// order handed over and its first header is kept, as the store merges families of one name, so
// the text is the same as if every family had come at once. Only the text is kept: each chunk's
// series objects are freed as soon as they are serialised.
class FamilyTextsBuilder {
 public:
  void add(std::vector<prometheus::MetricFamily> families);
  // The text, each family's samples in one string of exactly its size (it is held until the
  // collector's next run).
  FamilyTexts finish() &&;

 private:
  struct Building {
    std::string name;
    std::string header;
    std::vector<std::string> pieces;  // the samples of each chunk, in order
  };
  std::vector<Building> texts_;
};

// Merges serialised families (same name: the first header, the samples concatenated; sorted by
// name) into a snapshot, gzip-compressed too when `compress`.
std::shared_ptr<Snapshot> assemble_snapshot(std::vector<FamilyTexts> parts, bool compress);

// A target's parts published by something other than its poller (auto-discovery's databases) are
// keyed `<target><kStoreMemberSeparator><part>`, so that removing the target removes them too.
inline constexpr char kStoreMemberSeparator = '\x1f';

class SnapshotStore {
 public:
  using Source = std::function<std::vector<prometheus::MetricFamily>()>;
  // `self_metrics` is called on every rebuild (process and HTTP metrics, build info).
  explicit SnapshotStore(Source self_metrics);

  // Replaces one target's families and rebuilds the snapshot. Families of the same name in
  // several parts (or targets) are merged as merge_families() does.
  void publish(const std::string& target, std::vector<FamilyTexts> parts);
  // Removes `target` and every `<target><kStoreMemberSeparator>…` key.
  void remove(const std::string& target);
  // Removes exactly one key (a target's part such as DatabaseFleet::store_key()).
  void remove_part(const std::string& key);
  std::shared_ptr<const Snapshot> current() const { return current_.load(); }
  // One target's series alone (its discovered databases' included; not the exporter's own), not
  // compressed: what /probe?target= serves. Null when no such target has published.
  std::shared_ptr<const Snapshot> render_target(const std::string& target) const;

 private:
  void rebuild_locked();

  Source self_metrics_;
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<FamilyTexts>> targets_;
  std::atomic<std::shared_ptr<const Snapshot>> current_;
};

}  // namespace mexp
