#include "services/clients/dashboard_assets.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace runrelay::services;

BOOST_AUTO_TEST_SUITE(dashboard_assets)

BOOST_AUTO_TEST_CASE(root_is_the_page_and_files_are_under_dashboard) {
  const auto& table = asset_table::dashboard();
  BOOST_TEST(table.size() >= 3u);
  const auto* page = table.find("/");
  BOOST_REQUIRE(page);
  BOOST_TEST(page->content_type == "text/html; charset=utf-8");
  BOOST_TEST(page->body.find("<title>runrelay</title>") != std::string_view::npos);
  BOOST_TEST(table.find("/dashboard/index.html") == page);
  const auto* script = table.find("/dashboard/dashboard.js");
  BOOST_REQUIRE(script);
  BOOST_TEST(script->content_type == "text/javascript; charset=utf-8");
}

BOOST_AUTO_TEST_CASE(etags_are_quoted_content_hashes_that_differ_per_file) {
  const auto& table = asset_table::dashboard();
  const auto* page = table.find("/");
  const auto* style = table.find("/dashboard/dashboard.css");
  BOOST_REQUIRE(page && style);
  BOOST_TEST(page->etag.size() == 22u);
  BOOST_TEST(page->etag.front() == '"');
  BOOST_TEST(page->etag.back() == '"');
  BOOST_TEST(page->etag != style->etag);
}

BOOST_AUTO_TEST_CASE(other_paths_name_no_file) {
  const auto& table = asset_table::dashboard();
  for (const char* path : {"/index.html", "/dashboard", "/dashboard/",
                           "/dashboard/nope.js", "/dashboard/../CMakeLists.txt",
                           "/dashboard/dashboard.js/x", "/dashboardx/dashboard.js", ""})
    BOOST_TEST(!table.find(path), path);
}

BOOST_AUTO_TEST_CASE(content_types_by_extension) {
  BOOST_TEST(content_type_for("a.css") == "text/css; charset=utf-8");
  BOOST_TEST(content_type_for("a.mjs") == "text/javascript; charset=utf-8");
  BOOST_TEST(content_type_for("a.svg") == "image/svg+xml");
  BOOST_TEST(content_type_for("a.png") == "image/png");
  BOOST_TEST(content_type_for("a.json") == "application/json");
  BOOST_TEST(content_type_for("js") == "application/octet-stream");
}

BOOST_AUTO_TEST_SUITE_END()
