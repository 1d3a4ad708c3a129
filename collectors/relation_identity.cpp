// The exported relations' names and members kept between catalog reads.
#include "collectors/relation_identity.h"

namespace mexp {

std::optional<std::string> read_catalog_signal(PgSession& session) {
  const auto result = session.query(kCatalogSignalSql);
  if (result.rows() == 0) return std::nullopt;
  return result.optional_text(0, 0);
}

void RelationIdentities::begin(std::optional<std::string> signal) {
  signal_ = std::move(signal);
  order_.clear();
  identities_.clear();
  read_ = true;
  ++reads_;
}

void RelationIdentities::identify(std::string oid, RelationIdentity identity) {
  order_.push_back(oid);
  identities_.insert_or_assign(std::move(oid), std::move(identity));
}

const RelationIdentity* RelationIdentities::of(const std::string& oid) const {
  auto found = identities_.find(oid);
  return found == identities_.end() ? nullptr : &found->second;
}

namespace {

// Appends `item` to a PostgreSQL array literal being built (without its braces).
void append_element(std::string& array, std::string_view item) {
  if (!array.empty()) array.push_back(',');
  array.append(item);
}

std::string braced(const std::string& elements) { return "{" + elements + "}"; }

}  // namespace

QueryParams RelationIdentities::statistics_parameters() const {
  std::string oids, member_oids, member_positions, member_kinds;
  for (std::size_t position = 0; position < order_.size(); ++position) {
    const auto& oid = order_[position];
    append_element(oids, oid);
    std::string_view members = identities_.at(oid).members;
    while (!members.empty()) {
      const auto comma = members.find(',');
      const auto member = members.substr(0, comma);
      members = comma == std::string_view::npos ? std::string_view{} : members.substr(comma + 1);
      if (member.size() < 2) continue;
      append_element(member_kinds, member.substr(0, 1));
      append_element(member_oids, member.substr(1));
      append_element(member_positions, std::to_string(position + 1));
    }
  }
  return {braced(oids), braced(member_oids), braced(member_positions), braced(member_kinds)};
}

std::size_t RelationIdentities::read_statistics(PgSession& session, std::string_view sql,
                                                std::size_t parameters,
                                                const RowHandler& row) const {
  auto values = statistics_parameters();
  values.resize(parameters);
  const auto result = session.query(sql, values);
  std::size_t present = 0;
  for (int i = 0; i < result.rows(); ++i) {
    const std::string oid(result.text(i, 0));
    const auto* identity = of(oid);
    if (result.boolean(i, 1) || identity == nullptr) continue;
    row(oid, *identity, result, i);
    ++present;
  }
  return present;
}

}  // namespace mexp
