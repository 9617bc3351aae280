# Reference values for weighted, stratified, clustered estimates: R's survey package
# (Debian r-cran-survey; Lumley), on NHANES II as shipped by samplics 0.6.1
# (samplics/datasets/data/nhanes2.csv; NHANES II is U.S. public-domain data from NCHS).
#
#   Rscript data/examples/nhanes2/make_reference.R   # writes reference.csv beside it
#
# Design: svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt, nest = TRUE);
# Taylor linearization (the package's default); domains by subset(), which keeps the
# full design for the variance. These numbers are references for the tests, never
# computed at run time: R is not a dependency of the pipeline.
suppressPackageStartupMessages(library(survey))
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
d <- read.csv(file.path(here, "nhanes2.csv"))
des <- svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt, nest = TRUE, data = d)

rows <- list()
add <- function(statistic, variable, level, domain, design, formula, na_rm = FALSE) {
  est <- svymean(formula, design, deff = TRUE, na.rm = na_rm)
  used <- model.frame(formula, design$variables, na.action = if (na_rm) na.omit else na.pass)
  keep <- if (na_rm) !is.na(design$variables[[variable]]) else rep(TRUE, nrow(design$variables))
  w <- weights(design)[keep]
  for (i in seq_along(coef(est))) {
    rows[[length(rows) + 1]] <<- data.frame(
      statistic = statistic, variable = variable,
      level = if (is.null(level)) sub(paste0("^", "factor\\(", variable, "\\)"), "",
                                       names(coef(est))[i]) else level,
      domain = domain,
      estimate = unname(coef(est)[i]), se = unname(SE(est)[i]),
      deff = unname(deff(est)[i]),
      n = sum(keep), weighted_n = sum(w))
  }
}
domains <- list(all = des, race_1 = subset(des, race == 1), race_2 = subset(des, race == 2),
                race_3 = subset(des, race == 3))
for (name in names(domains)) {
  g <- domains[[name]]
  add("mean", "highbp", "1", name, g, ~highbp)                        # a proportion (0/1)
  add("mean", "diabetes", "1", name, g, ~diabetes, na_rm = TRUE)
  add("mean", "zinc", "", name, g, ~zinc, na_rm = TRUE)               # a numeric mean
  add("pct", "region", NULL, name, g, ~factor(region))               # shares of a factor
}
out <- do.call(rbind, rows)
write.csv(out, file.path(here, "reference.csv"), row.names = FALSE)
cat(sprintf("%s: %d reference values (survey %s)\n", file.path(here, "reference.csv"),
            nrow(out), as.character(packageVersion("survey"))))
