// onnx_export WEIGHTS_BIN MODEL_ONNX: writes the network of an xbarsim weights.bin (XBW1,
// docs/weights.md) as the ONNX model PyTorch exports for nn.Sequential(Flatten, Linear, ReLU, ...,
// Linear): input [N, 1, 28, 28], Flatten, Gemm (transB 1, weights (out, in) row-major) per layer
// and Relu between layers. For tests/cli/onnx_import.sh (no Python needed); test-only.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

// prefix + l + suffix (appending: GCC 12's -Wrestrict misfires on "literal" + std::string).
std::string id(const char* prefix, int l, const char* suffix = "") {
  std::string s = prefix;
  s += std::to_string(l);
  s += suffix;
  return s;
}

bool read(std::ifstream& in, void* p, std::size_t n) {
  return static_cast<bool>(in.read(static_cast<char*>(p), static_cast<std::streamsize>(n)));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: onnx_export WEIGHTS_BIN MODEL_ONNX\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  char magic[4];
  std::int32_t layers = 0;
  if (!read(in, magic, 4) || std::memcmp(magic, "XBW1", 4) != 0 || !read(in, &layers, 4) || layers < 1) {
    std::fprintf(stderr, "onnx_export: %s is not an XBW1 weights file\n", argv[1]);
    return 1;
  }
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("xbarsim tests/cli/tools/onnx_export");
  m.add_opset_import()->set_version(13);
  auto& g = *m.mutable_graph();
  g.set_name("mlp");
  auto shape = [](onnx::ValueInfoProto* v, const std::string& name, const std::vector<std::int64_t>& dims) {
    v->set_name(name);
    auto* tt = v->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto_DataType_FLOAT);
    tt->mutable_shape()->add_dim()->set_dim_param("N");
    for (auto d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
  };
  shape(g.add_input(), "image", {1, 28, 28});
  auto node = [&g](const char* op, const std::string& name, const std::vector<std::string>& inputs,
                   const std::string& out) {
    auto* n = g.add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(out);
    return n;
  };
  node("Flatten", "/0/Flatten", {"image"}, "flat");
  std::string cur = "flat";
  std::int32_t rows = 0;
  for (std::int32_t l = 0; l < layers; ++l) {
    std::int32_t cols = 0;
    if (!read(in, &rows, 4) || !read(in, &cols, 4) || rows < 1 || cols < 1) return 1;
    std::vector<float> w(static_cast<std::size_t>(rows) * cols), b(static_cast<std::size_t>(rows));
    if (!read(in, w.data(), w.size() * 4) || !read(in, b.data(), b.size() * 4)) return 1;
    std::vector<float> row_major(w.size());  // (out, in) row-major from (out x in) column-major
    for (std::int32_t o = 0; o < rows; ++o) {
      for (std::int32_t i = 0; i < cols; ++i)
        row_major[static_cast<std::size_t>(o) * cols + i] = w[static_cast<std::size_t>(i) * rows + o];
    }
    const std::string wn = id("fc", l, ".weight");
    const std::string bn = id("fc", l, ".bias");
    auto* wt = g.add_initializer();
    wt->set_name(wn);
    wt->set_data_type(onnx::TensorProto_DataType_FLOAT);
    wt->add_dims(rows);
    wt->add_dims(cols);
    wt->set_raw_data(std::string(reinterpret_cast<const char*>(row_major.data()), row_major.size() * 4));
    auto* bt = g.add_initializer();
    bt->set_name(bn);
    bt->set_data_type(onnx::TensorProto_DataType_FLOAT);
    bt->add_dims(rows);
    for (float v : b) bt->add_float_data(v);
    const std::string z = id("z", l);
    auto* gemm = node("Gemm", id("/fc", l, "/Gemm"), {cur, wn, bn}, z);
    auto* a = gemm->add_attribute();
    a->set_name("transB");
    a->set_type(onnx::AttributeProto_AttributeType_INT);
    a->set_i(1);
    cur = z;
    if (l + 1 < layers) {
      node("Relu", id("/relu", l), {cur}, id("h", l));
      cur = id("h", l);
    }
  }
  auto* out = g.add_output();
  out->set_name(cur);
  auto* tt = out->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  tt->mutable_shape()->add_dim()->set_dim_param("N");
  tt->mutable_shape()->add_dim()->set_dim_value(rows);
  std::ofstream f(argv[2], std::ios::binary);
  return m.SerializeToOstream(&f) ? 0 : 1;
}
