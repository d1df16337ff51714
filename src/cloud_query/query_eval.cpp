// Evaluation of the query language over JSON twin documents. A value is a JSON value or
// undefined (std::nullopt): a missing property, or an operation on mismatched types.
#include <map>

#include "outpost/cloud_query/query.h"

namespace outpost::cloud::query {
namespace {

using nlohmann::json;
using Value = std::optional<json>;

const json* lookup(const json& document, const std::vector<std::string>& path) {
  const json* node = &document;
  for (const auto& segment : path) {
    if (!node->is_object()) return nullptr;
    const auto it = node->find(segment);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

Truth truth_of(const Value& v) {
  if (!v || !v->is_boolean()) return Truth::undefined;
  return v->get<bool>() ? Truth::true_ : Truth::false_;
}

bool same_kind(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return true;
  return a.type() == b.type();
}

bool equal(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  return a == b;
}

Value compare(Op op, const Value& a, const Value& b) {
  if (!a || !b) return std::nullopt;
  if (op == Op::eq || op == Op::ne) {
    if (!same_kind(*a, *b)) return json(false);  // IoT Hub: mismatched types are simply not equal
    const bool eq = equal(*a, *b);
    return json(op == Op::eq ? eq : !eq);
  }
  int order;
  if (a->is_number() && b->is_number()) {
    const double x = a->get<double>(), y = b->get<double>();
    order = x < y ? -1 : (x > y ? 1 : 0);
  } else if (a->is_string() && b->is_string()) {
    const auto& x = a->get_ref<const std::string&>();
    const auto& y = b->get_ref<const std::string&>();
    order = x < y ? -1 : (x > y ? 1 : 0);
  } else {
    return std::nullopt;  // ordering across types is undefined
  }
  switch (op) {
    case Op::lt: return json(order < 0);
    case Op::le: return json(order <= 0);
    case Op::gt: return json(order > 0);
    case Op::ge: return json(order >= 0);
    default: return std::nullopt;
  }
}

Value eval(const Expr& e, const json& doc);

Value call(const Expr& e, const json& doc) {
  const auto& f = e.function;
  const Value a = eval(*e.operands[0], doc);
  if (f == "IS_DEFINED") return json(a.has_value());
  if (f == "IS_NULL") return json(a && a->is_null());
  if (f == "IS_BOOL") return json(a && a->is_boolean());
  if (f == "IS_NUMBER") return json(a && a->is_number());
  if (f == "IS_STRING") return json(a && a->is_string());
  if (f == "IS_OBJECT") return json(a && a->is_object());
  if (f == "IS_ARRAY") return json(a && a->is_array());
  if (f == "IS_PRIMITIVE") return json(a && (a->is_primitive()));
  if (f == "LOWER" || f == "UPPER") {
    if (!a || !a->is_string()) return std::nullopt;
    std::string s = a->get<std::string>();
    for (auto& c : s) {
      if (f == "LOWER" && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (f == "UPPER" && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return json(std::move(s));
  }
  if (f == "LENGTH") {
    if (!a || !a->is_string()) return std::nullopt;
    return json(a->get_ref<const std::string&>().size());
  }
  const Value b = eval(*e.operands[1], doc);
  if (f == "ARRAY_CONTAINS") {
    if (!a || !a->is_array() || !b) return std::nullopt;
    for (const auto& item : *a)
      if (same_kind(item, *b) && equal(item, *b)) return json(true);
    return json(false);
  }
  if (!a || !b || !a->is_string() || !b->is_string()) return std::nullopt;
  const auto& s = a->get_ref<const std::string&>();
  const auto& p = b->get_ref<const std::string&>();
  if (f == "STARTSWITH" || f == "STARTS_WITH") return json(s.compare(0, p.size(), p) == 0 && s.size() >= p.size());
  if (f == "ENDSWITH" || f == "ENDS_WITH")
    return json(s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0);
  if (f == "CONTAINS") return json(s.find(p) != std::string::npos);
  return std::nullopt;
}

Value eval(const Expr& e, const json& doc) {
  switch (e.kind) {
    case Expr::Kind::literal: return e.literal;
    case Expr::Kind::path: {
      const json* v = lookup(doc, e.path);
      if (!v) return std::nullopt;
      return *v;
    }
    case Expr::Kind::function: return call(e, doc);
    case Expr::Kind::list: return std::nullopt;
    case Expr::Kind::unary: {
      const auto t = truth_of(eval(*e.operands[0], doc));
      if (t == Truth::undefined) return std::nullopt;
      return json(t == Truth::false_);
    }
    case Expr::Kind::binary: {
      if (e.op == Op::and_ || e.op == Op::or_) {
        const auto l = truth_of(eval(*e.operands[0], doc));
        const bool is_and = e.op == Op::and_;
        // Short-circuit: AND with false, OR with true decide alone.
        if (is_and && l == Truth::false_) return json(false);
        if (!is_and && l == Truth::true_) return json(true);
        const auto r = truth_of(eval(*e.operands[1], doc));
        if (is_and) {
          if (r == Truth::false_) return json(false);
          if (l == Truth::undefined || r == Truth::undefined) return std::nullopt;
          return json(true);
        }
        if (r == Truth::true_) return json(true);
        if (l == Truth::undefined || r == Truth::undefined) return std::nullopt;
        return json(false);
      }
      const Value l = eval(*e.operands[0], doc);
      if (e.op == Op::in || e.op == Op::not_in) {
        if (!l) return std::nullopt;
        bool found = false;
        for (const auto& item : e.operands[1]->operands)
          if (same_kind(*l, item->literal) && equal(*l, item->literal)) found = true;
        return json(e.op == Op::in ? found : !found);
      }
      return compare(e.op, l, eval(*e.operands[1], doc));
    }
  }
  return std::nullopt;
}

json project(const Query& q, const json& doc) {
  json row = json::object();
  for (const auto& p : q.projections) {
    if (p.kind != Projection::Kind::path) continue;
    if (const json* v = lookup(doc, p.path)) row[p.alias] = *v;
  }
  return row;
}

}  // namespace

Truth evaluate(const Expr& condition, const json& document) { return truth_of(eval(condition, document)); }

std::vector<json> run(const Query& q, const std::vector<json>& documents) {
  std::vector<const json*> selected;
  for (const auto& doc : documents)
    if (matches(q.where.get(), doc)) selected.push_back(&doc);
  std::vector<json> out;
  if (q.select_all) {
    for (const auto* doc : selected) out.push_back(*doc);
    return out;
  }
  const bool counts = std::any_of(q.projections.begin(), q.projections.end(),
                                  [](const Projection& p) { return p.kind == Projection::Kind::count; });
  if (!q.group_by.empty()) {
    // Groups keyed by the grouped values (undefined groups as null), in first-seen order.
    std::vector<std::pair<json, std::size_t>> groups;
    std::map<std::string, std::size_t> index;
    for (const auto* doc : selected) {
      json key = json::array();
      for (const auto& path : q.group_by) {
        const json* v = lookup(*doc, path);
        key.push_back(v ? *v : json(nullptr));
      }
      const auto text = key.dump();
      auto it = index.find(text);
      if (it == index.end()) {
        index.emplace(text, groups.size());
        groups.emplace_back(project(q, *doc), 1);
      } else {
        ++groups[it->second].second;
      }
    }
    for (auto& [row, count] : groups) {
      for (const auto& p : q.projections)
        if (p.kind == Projection::Kind::count) row[p.alias] = count;
      out.push_back(std::move(row));
    }
    return out;
  }
  if (counts) {
    json row = selected.empty() ? json::object() : project(q, *selected.front());
    for (const auto& p : q.projections)
      if (p.kind == Projection::Kind::count) row[p.alias] = selected.size();
    out.push_back(std::move(row));
    return out;
  }
  for (const auto* doc : selected) out.push_back(project(q, *doc));
  return out;
}

}  // namespace outpost::cloud::query
