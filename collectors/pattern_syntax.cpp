// pattern_problem: one pass over the pattern with the rules of PostgreSQL's ARE syntax
// (documentation section "Regular Expression Details").
#include "collectors/pattern_syntax.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace mexp {
namespace {

constexpr int kMaxRepetition = 255;  // PostgreSQL's DUPMAX

bool is_class_name(std::string_view name) {
  static constexpr std::array<std::string_view, 13> kNames = {
      "alnum", "alpha", "blank", "cntrl", "digit",  "graph", "lower",
      "print", "punct", "space", "upper", "xdigit", "word"};
  for (const auto known : kNames) {
    if (name == known) return true;
  }
  return false;
}

class Checker {
 public:
  explicit Checker(std::string_view pattern) : text_(pattern) {}

  std::optional<std::string> run() {
    if (text_.starts_with("***=")) return std::nullopt;  // the rest is a literal string
    if (text_.starts_with("***:")) at_ = 4;
    skip_embedded_options();
    while (at_ < text_.size()) {
      if (auto problem = step()) return problem;
    }
    if (!open_groups_.empty()) return "parentheses () not balanced";
    return std::nullopt;
  }

 private:
  // "(?flags)" is allowed only at the very start.
  void skip_embedded_options() {
    if (!text_.substr(at_).starts_with("(?")) return;
    auto i = at_ + 2;
    while (i < text_.size() && std::isalpha(static_cast<unsigned char>(text_[i]))) ++i;
    if (i > at_ + 2 && i < text_.size() && text_[i] == ')') at_ = i + 1;
  }

  std::optional<std::string> step() {
    const char c = text_[at_++];
    switch (c) {
      case '\\':
        return escape();
      case '[':
        return bracket();
      case '(':
        return open_group();
      case ')':
        if (open_groups_.empty()) return "parentheses () not balanced";
        quantifiable_ = open_groups_.back();
        open_groups_.pop_back();
        after_quantifier_ = false;
        return std::nullopt;
      case '*':
      case '+':
      case '?':
        return quantifier(c);
      case '{':
        if (at_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[at_])))
          return bound();
        atom();  // "{" not followed by a digit is an ordinary character
        return std::nullopt;
      case '|':
      case '^':
      case '$':
        quantifiable_ = false;  // an alternation starts afresh; anchors cannot be repeated
        after_quantifier_ = false;
        return std::nullopt;
      default:
        atom();
        return std::nullopt;
    }
  }

  void atom() {
    quantifiable_ = true;
    after_quantifier_ = false;
  }

  std::optional<std::string> escape() {
    if (at_ >= text_.size()) return "the pattern ends with a lone backslash";
    const char e = text_[at_++];
    if (!std::isalnum(static_cast<unsigned char>(e))) {
      atom();  // an escaped punctuation character is that character
      return std::nullopt;
    }
    static constexpr std::string_view kAtoms = "abBdDefnrsStvwW0123456789";
    static constexpr std::string_view kConstraints = "AmMyYZ";
    if (e == 'c') {
      if (at_ >= text_.size()) return "\\c needs a character after it";
      ++at_;
    } else if (e == 'x' || e == 'u' || e == 'U') {
      const std::size_t most = e == 'x' ? 8 : (e == 'u' ? 4 : 8);
      std::size_t digits = 0;
      while (at_ < text_.size() && digits < most &&
             std::isxdigit(static_cast<unsigned char>(text_[at_]))) {
        ++at_;
        ++digits;
      }
      if (digits == 0 || (e != 'x' && digits != most))
        return std::string("\\") + e + " needs hexadecimal digits";
    } else if (kConstraints.find(e) != std::string_view::npos) {
      quantifiable_ = false;
      after_quantifier_ = false;
      return std::nullopt;
    } else if (kAtoms.find(e) == std::string_view::npos) {
      return std::string("invalid escape \\") + e;
    }
    atom();
    return std::nullopt;
  }

  std::optional<std::string> bracket() {
    if (at_ < text_.size() && text_[at_] == '^') ++at_;
    if (at_ < text_.size() && text_[at_] == ']') ++at_;  // a leading ] is a member
    int previous = -1;  // the last single character, for range order
    while (at_ < text_.size() && text_[at_] != ']') {
      if (text_[at_] == '[' && at_ + 1 < text_.size() &&
          (text_[at_ + 1] == ':' || text_[at_ + 1] == '.' || text_[at_ + 1] == '=')) {
        const char kind = text_[at_ + 1];
        const auto close = text_.find(std::string{kind, ']'}, at_ + 2);
        if (close == std::string_view::npos) return "brackets [] not balanced";
        if (kind == ':' && !is_class_name(text_.substr(at_ + 2, close - at_ - 2)))
          return "invalid character class";
        at_ = close + 2;
        previous = -1;
        continue;
      }
      if (text_[at_] == '-' && previous >= 0 && at_ + 1 < text_.size() && text_[at_ + 1] != ']') {
        const auto last = static_cast<unsigned char>(text_[at_ + 1]);
        if (last == '[' || last == '\\') {  // an awkward range end: leave it to the server
          at_ += 1;
          previous = -1;
          continue;
        }
        if (last < previous) return "invalid character range";
        at_ += 2;
        previous = -1;
        continue;
      }
      previous = static_cast<unsigned char>(text_[at_]);
      ++at_;
    }
    if (at_ >= text_.size()) return "brackets [] not balanced";
    ++at_;
    atom();
    return std::nullopt;
  }

  std::optional<std::string> open_group() {
    bool lookaround = false;
    if (at_ < text_.size() && text_[at_] == '?') {
      const auto rest = text_.substr(at_ + 1);
      if (rest.starts_with(":")) {
        at_ += 2;
      } else if (rest.starts_with("=") || rest.starts_with("!")) {
        at_ += 2;
        lookaround = true;
      } else if (rest.starts_with("<=") || rest.starts_with("<!")) {
        at_ += 3;
        lookaround = true;
      } else {
        return "invalid (? group: only (?:, (?=, (?!, (?<= and (?<! are allowed here";
      }
    }
    open_groups_.push_back(!lookaround);  // whether the closed group can be repeated
    quantifiable_ = false;
    after_quantifier_ = false;
    return std::nullopt;
  }

  std::optional<std::string> quantifier(char c) {
    if (after_quantifier_ && c == '?' && !lazy_) {
      lazy_ = true;  // *? +? ?? {m,n}?: the non-greedy forms
      return std::nullopt;
    }
    if (!quantifiable_ || after_quantifier_) return "a quantifier has nothing to repeat";
    after_quantifier_ = true;
    lazy_ = false;
    return std::nullopt;
  }

  std::optional<std::string> bound() {
    const auto number = [&]() {
      int value = 0;
      while (at_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[at_]))) {
        value = std::min(value * 10 + (text_[at_] - '0'), kMaxRepetition + 1);
        ++at_;
      }
      return value;
    };
    const int low = number();
    int high = low;
    if (at_ < text_.size() && text_[at_] == ',') {
      ++at_;
      high = at_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[at_]))
                 ? number()
                 : kMaxRepetition;
    }
    if (at_ >= text_.size() || text_[at_] != '}') return "braces {} not balanced";
    ++at_;
    if (low > kMaxRepetition || high > kMaxRepetition || low > high)
      return "invalid repetition count(s)";
    return quantifier('{');
  }

  std::string_view text_;
  std::size_t at_ = 0;
  std::vector<bool> open_groups_;
  bool quantifiable_ = false;
  bool after_quantifier_ = false;
  bool lazy_ = false;
};

}  // namespace

std::optional<std::string> pattern_problem(std::string_view pattern) {
  return Checker(pattern).run();
}

}  // namespace mexp
