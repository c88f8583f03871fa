#include "models/encoder.h"

#include "core/check.h"
#include "core/options.h"
#include "models/dmpnn.h"
#include "models/gine.h"

namespace molprop::models {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// Each row's sum of its features' table rows (models/categorical_kernels.h: EmbeddingBag(sum)'s
// values bit for bit, each distinct row summed once), with a backward that adds each row's
// gradient into its table rows directly: EmbeddingBag's own backward sorts the indices first,
// and was 9 % of an ESOL training run; its forward was 31 % of a predict run's model time.
class CategoricalSum : public torch::autograd::Function<CategoricalSum> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& table, const torch::Tensor& categories,
                               const std::vector<int64_t>& offsets, const std::vector<int64_t>& radix) {
    const torch::Tensor t = table.contiguous();
    const int64_t rows = categories.size(0), features = categories.size(1), dim = t.size(1);
    torch::Tensor out = torch::empty({rows, dim}, t.options());
    categorical_sum(t.data_ptr<float>(), dim, categories.data_ptr<int64_t>(), rows, features, offsets.data(),
                    radix.data(), out.data_ptr<float>());
    ctx->save_for_backward({categories});
    ctx->saved_data["rows"] = table.size(0);
    ctx->saved_data["offsets"] = offsets;
    return out;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const torch::Tensor categories = ctx->get_saved_variables()[0];
    const std::vector<int64_t> offsets = ctx->saved_data["offsets"].toIntVector();
    const torch::Tensor grad = grad_outputs[0].to(torch::kFloat32).contiguous();
    torch::Tensor table_grad = torch::zeros({ctx->saved_data["rows"].toInt(), grad.size(1)}, grad.options());
    categorical_sum_backward(grad.data_ptr<float>(), grad.size(1), categories.data_ptr<int64_t>(), categories.size(0),
                             categories.size(1), offsets.data(), table_grad.data_ptr<float>());
    return {table_grad, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

const core::Registry<EncoderFactory>& encoder_registry() {
  static const core::Registry<EncoderFactory> registry{
      "encoder",
      "known encoders",
      {
          {"dmpnn", [](const EncoderOptions& o) { return std::make_shared<DmpnnEncoder>(o); }},
          {"gine", [](const EncoderOptions& o) { return std::make_shared<GineEncoder>(o); }},
      }};
  return registry;
}

std::shared_ptr<Encoder> make_encoder(const EncoderOptions& options) {
  const EncoderFactory& factory = encoder_registry().at(options.name);
  check_encoder_options(options);
  return factory(options);
}

void EncoderOptions::validate() const {
  core::check_choice("EncoderOptions::name", name, encoder_registry().names());
  core::check_range<int64_t>("EncoderOptions::hidden", hidden, 1, 100000);
  core::check_range<int64_t>("EncoderOptions::depth", depth, 1, 100);
  core::check_range("EncoderOptions::dropout", dropout, 0.0, 0.99);
  core::check_choice("EncoderOptions::norm", norm, {"none", "batch", "layer"});
  core::check_choice("EncoderOptions::jk", jk, {"last", "sum", "concat"});
  if (virtual_node && name != "dmpnn") throw Error("EncoderOptions::virtual_node is only available for dmpnn");
}

void check_encoder_options(const EncoderOptions& o) {
  o.validate();
  if (o.atom_cardinalities.empty() || o.bond_cardinalities.empty())
    throw Error("encoder needs the feature vocabulary's atom and bond cardinalities");
}

CategoricalEmbeddingImpl::CategoricalEmbeddingImpl(const std::vector<int64_t>& cardinalities, int64_t dim)
    : cardinalities_(cardinalities) {
  int64_t rows = 0;
  for (int64_t c : cardinalities) {
    first_rows_.push_back(rows);
    radix_.push_back(c + 1);  // + [MASK]
    rows += c + 1;
  }
  offsets_ = register_buffer("offsets", torch::tensor(first_rows_, torch::kLong).unsqueeze(0));
  bag_ = register_module("table", torch::nn::EmbeddingBag(torch::nn::EmbeddingBagOptions(rows, dim).mode(torch::kSum)));
}

torch::Tensor CategoricalEmbeddingImpl::forward(const torch::Tensor& categories) {
  MOLPROP_CHECK(categories.dim() == 2 && categories.size(1) == static_cast<int64_t>(cardinalities_.size()),
                "categorical input has " << (categories.dim() == 2 ? categories.size(1) : -1)
                                         << " features, the embedding expects " << cardinalities_.size());
  if (categories.size(0) == 0) {
    return torch::zeros({0, bag_->weight.size(1)}, bag_->weight.options());
  }
  // Each row is one "bag" of feature rows, summed.
  const torch::Tensor& table = bag_->weight;
  if (table.device().is_cpu() && table.scalar_type() == torch::kFloat32) {
    return CategoricalSum::apply(table, categories.to(torch::kLong).contiguous(), first_rows_, radix_);
  }
  return bag_(categories + offsets_);
}

DistinctRows CategoricalEmbeddingImpl::distinct(const torch::Tensor& categories) const {
  MOLPROP_CHECK(categories.dim() == 2 && categories.size(1) == static_cast<int64_t>(cardinalities_.size()) &&
                    categories.scalar_type() == torch::kLong && categories.is_contiguous() &&
                    categories.device().is_cpu(),
                "distinct rows need contiguous int64 CPU categories, one column per feature");
  return distinct_rows(categories.data_ptr<int64_t>(), categories.size(0), categories.size(1), radix_.data());
}

torch::Tensor CategoricalEmbeddingImpl::distinct_sums(const torch::Tensor& categories, const DistinctRows& d) const {
  const torch::Tensor& table = bag_->weight;
  MOLPROP_CHECK(table.device().is_cpu() && table.scalar_type() == torch::kFloat32 && table.is_contiguous(),
                "distinct sums need the CPU fp32 table");
  const auto count = static_cast<int64_t>(d.first.size());
  torch::Tensor sums = torch::empty({count, table.size(1)}, table.options());
  categorical_sums(table.data_ptr<float>(), table.size(1), categories.data_ptr<int64_t>(), categories.size(1),
                   first_rows_.data(), d.first.data(), count, sums.data_ptr<float>());
  return sums;
}

torch::nn::AnyModule make_norm(const std::string& norm, int64_t dim) {
  if (norm == "batch") return torch::nn::AnyModule(torch::nn::BatchNorm1d(dim));
  if (norm == "layer") return torch::nn::AnyModule(torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  return torch::nn::AnyModule(torch::nn::Identity());
}

torch::Tensor jumping_knowledge(const std::vector<torch::Tensor>& states, const std::string& jk) {
  if (jk == "sum") return torch::stack(states).sum(0);
  if (jk == "concat") return torch::cat(states, 1);
  return states.back();
}

}  // namespace molprop::models
