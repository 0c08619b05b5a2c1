#include "core/text.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

TEST(TextTest, FoldsCaseAndAccents) {
  EXPECT_EQ(FoldText("Smith"), "smith");
  EXPECT_EQ(FoldText("Müller"), "muller");
  EXPECT_EQ(FoldText("ÉLODIE"), "elodie");
  EXPECT_EQ(FoldText("Zürich"), "zurich");
  EXPECT_EQ(FoldText("Straße"), "strasse");
  EXPECT_EQ(FoldText("Ångström"), "angstrom");
  EXPECT_EQ(FoldText(""), "");
}

}  // namespace
}  // namespace kiln
