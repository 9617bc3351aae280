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
#
# Columns of reference.csv (one row per statistic, variable, level and domain):
#   statistic         "mean" (svymean of a 0/1 or numeric variable), "pct" (svymean of a
#                     factor: the share of one level, as a proportion 0..1) or "quantile"
#   variable, level   the variable; the factor level ("pct"), the probability ("quantile":
#                     "0.25", "0.5", "0.75"), "1" for a 0/1 mean, "" for a numeric mean
#   domain            "all" or race_1, race_2, race_3 (subset(design, race == k))
#   estimate, se      the estimate and its standard error (Taylor linearization)
#   deff              design effect (svymean(..., deff = TRUE)); NA for quantiles
#   n, weighted_n     unweighted count and sum of weights of those answered in the domain
#   n_level, weighted_n_level   the same for those with that level ("pct" only, else NA)
#   ci_low, ci_high   95% confidence interval:
#                       "pct":      svyciprop(~I(x == level), method = "logit", level = 0.95),
#                                   whose default df is degf(design) (t-based);
#                       "mean":     confint(svymean(...), df = degf(design)) (t-based);
#                       "quantile": svyquantile(..., ci = TRUE, qrule = "math") with this
#                                   version's default interval.type = "mean" (Woodruff:
#                                   the t-based Wald interval of svymean(x <= q) mapped
#                                   back through qrule "math"); its se is that interval's
#                                   half-width over qt(0.975, df), as svyquantile reports
#   df                degf(design) of the design that produced the row: the domain, and,
#                     where the variable has NA, only those answered in it (na.rm = TRUE
#                     by subsetting the design, so the full design is kept for the variance)
suppressPackageStartupMessages(library(survey))
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
d <- read.csv(file.path(here, "nhanes2.csv"))
des <- svydesign(id = ~psuid, strata = ~stratid, weights = ~finalwgt, nest = TRUE, data = d)

rows <- list()
put <- function(statistic, variable, level, domain, design, estimate, se, deff = NA,
                n_level = NA, weighted_n_level = NA, ci = c(NA, NA)) {
  rows[[length(rows) + 1]] <<- data.frame(
    statistic = statistic, variable = variable, level = level, domain = domain,
    estimate = unname(estimate), se = unname(se), deff = unname(deff),
    n = nrow(design), weighted_n = sum(weights(design)),
    n_level = n_level, weighted_n_level = weighted_n_level,
    ci_low = unname(ci[1]), ci_high = unname(ci[2]), df = degf(design))
}
# Those answered `variable` in the domain design `g` (all of it when it has no NA).
answered <- function(g, variable) {
  if (!anyNA(g$variables[[variable]])) return(g)
  eval(bquote(subset(g, !is.na(.(as.name(variable))))))
}
add_mean <- function(variable, level, domain, g) {
  a <- answered(g, variable)
  f <- reformulate(variable)
  est <- svymean(f, a, deff = TRUE)
  put("mean", variable, level, domain, a, coef(est), SE(est), deff(est),
      ci = confint(est, df = degf(a), level = 0.95)[1, ])
}
add_pct <- function(variable, domain, g) {
  a <- answered(g, variable)
  est <- svymean(reformulate(sprintf("factor(%s)", variable)), a, deff = TRUE)
  x <- a$variables[[variable]]
  w <- weights(a)
  for (i in seq_along(coef(est))) {
    lev <- sub(sprintf("^factor\\(%s\\)", variable), "", names(coef(est))[i])
    cp <- svyciprop(as.formula(sprintf("~I(%s == %s)", variable, lev)), a,
                    method = "logit", level = 0.95)
    # svyciprop's logit interval comes from svyglm(quasibinomial), whose IRLS stops at
    # glm.control()'s epsilon = 1e-8: its centre agrees with svymean's share to ~1e-8.
    stopifnot(abs(coef(cp) / coef(est)[i] - 1) < 1e-7)
    put("pct", variable, lev, domain, a, coef(est)[i], SE(est)[i], deff(est)[i],
        n_level = sum(x == lev), weighted_n_level = sum(w[x == lev]), ci = attr(cp, "ci"))
  }
}
add_quantiles <- function(variable, domain, g, probs = c(0.25, 0.5, 0.75)) {
  a <- answered(g, variable)
  # interval.type left at its default, "mean" in survey 4.1.1 (the first of
  # c("mean", "beta", "xlogit", "asin", "score")); df = NULL, i.e. degf() of the
  # design after na.rm, which is degf(a).
  q <- svyquantile(reformulate(variable), g, quantiles = probs, na.rm = TRUE, ci = TRUE,
                   qrule = "math")[[variable]]
  for (i in seq_along(probs)) {
    put("quantile", variable, format(probs[i]), domain, a, q[i, "quantile"], q[i, "se"],
        ci = q[i, 2:3])
  }
}
domains <- list(all = des, race_1 = subset(des, race == 1), race_2 = subset(des, race == 2),
                race_3 = subset(des, race == 3))
for (name in names(domains)) {
  g <- domains[[name]]
  add_mean("highbp", "1", name, g)                # a proportion (0/1)
  add_mean("diabetes", "1", name, g)
  add_mean("zinc", "", name, g)                   # a numeric mean
  add_pct("region", name, g)                      # shares of a factor
  add_pct("highbp", name, g)
  add_pct("diabetes", name, g)
  add_pct("highlead", name, g)
  add_quantiles("zinc", name, g)
}
add_pct("race", "all", des)                       # the groups' own shares (respondents)
out <- do.call(rbind, rows)
write.csv(out, file.path(here, "reference.csv"), row.names = FALSE)
cat(sprintf("%s: %d reference values (survey %s)\n", file.path(here, "reference.csv"),
            nrow(out), as.character(packageVersion("survey"))))
