# Functions shared by the scripts that write R survey's reference figures in the pipeline's
# vocabulary (sourced by data/examples/api/make_reference.R, data/examples/nhanes2/make_fay.R
# and data/examples/nhanes2/make_lonely.R; never run by the pipeline or its tests).
#
# A reference file is a long CSV: figure_id, field, value (one row per number), value
# written with 17 significant digits ("%.17g": the double R computed, exactly).
#   figure_id   the pipeline's: <q>.<group>.<code>.<answer code> (a share), respondents.
#               <group>.<code> (a group's share of all), <q>.<group>.<code>.{mean,p25,
#               median,p75,sd} (a numeric question), <q>.<group>.test.{statistic,df,p};
#               <group>.<code> is all.all for the whole sample; a prefix "<variant>:"
#               names a variant of the design (lonely PSU rule, calibration)
#   field       estimate, se, ci_lower, ci_upper, deff, n_weighted, n_weighted_se,
#               base_weighted, df, statistic, df_denominator, p
# Units: a share in percent (R's proportion x 100: estimate, se, ci bounds, never deff);
# means, quantiles, SDs and totals in the variable's unit.
#
# How each number is computed (d: the design; a: the domain, subset(d, group == code),
# which keeps the whole design for the variance; only those who answered: no variable
# used here has a missing value except in NHANES II, where `answered()` drops them):
#   share        svymean(~I(as.numeric(q == code)) + ..., a, deff = TRUE) (the same numbers
#                as svymean(~factor(q), a), which refuses a domain where q has one value):
#                estimate, se, deff ("wor", Kish's against simple random sampling without
#                replacement; Taylor designs only; none when the share is 0 or 100 %);
#                svyciprop(~I(q == code), a, method = "logit", df = degf(a)): ci bounds
#                (none for a share of 0 or 100 %);
#                svytotal(~factor(q), a): n_weighted and n_weighted_se; sum(weights(a)):
#                base_weighted; degf(a): df
#   respondents  the same on the whole design d for the group's factor
#   mean         svymean(~x, a, deff = TRUE); confint(., df = degf(a)); base_weighted, df
#   p25/median/p75  svyquantile(~x, a, c(0.25, 0.5, 0.75), ci = TRUE, qrule = "math"),
#                the default interval.type ("mean": Woodruff); se as svyquantile reports it
#                (column 4: "se", "se.97.5" for replicate designs: the interval's width
#                over 2 qt(0.975, df)). Where the interval of the
#                CDF, p -/+ t se(F), leaves [0, 1] (small domains of few PSUs), R has no
#                bound and writes NaN for it and for the se: so does the reference ("NaN")
#   sd           sqrt(coef(svyvar(~x, a))) (estimate only)
#   total        svytotal(~x, a): estimate, se; confint(., df = degf(a))
#   test (coded question by group)   svychisq(~q + g, d, statistic = "F") (Rao-Scott F):
#                .test.statistic statistic = F; .test.df estimate = ndf (d0) and
#                df_denominator = ddf (d0 * degf(d)); .test.p p
#   test (numeric question by group) svyranktest(x ~ factor(g), d) (Kruskal-Wallis scores):
#                two groups: statistic t, .test.df estimate = degf(d) - 1; more: R returns
#                Chisq in `parameter` and ndf in `statistic`: statistic = Chisq / ndf,
#                .test.df estimate ndf and df_denominator degf(d) - ndf; .test.p p.
#                survey 4.1.1 cannot do the latter in a replicate design (its
#                multiranktest() calls the Taylor svy.varcoef(), which stops): no rows
fmt <- function(x) sprintf("%.17g", x)

# Evaluate `expr` without R's known harmless warnings here: svyglm's "observations with
# zero weight not used for calculating dispersion" (a domain of a calibrated design keeps
# its other rows at weight 0), svrVar's "Recycling array of length 1" (R 4.2 deprecation)
# and multistage's "coercion to 'logical(1)'" (before multiranktest's error, see below).
quiet <- function(expr) withCallingHandlers(expr, warning = function(w) {
  if (grepl("zero weight not used|Recycling array of length 1|coercion to 'logical\\(1\\)'",
            conditionMessage(w))) invokeRestart("muffleWarning")
})

.rows <- new.env()
.rows$list <- list()
put <- function(figure_id, ...) {
  values <- list(...)
  values <- values[!vapply(values, is.null, logical(1))]
  for (field in names(values)) {
    .rows$list[[length(.rows$list) + 1]] <- data.frame(
      figure_id = figure_id, field = field, value = fmt(unname(values[[field]])))
  }
}
take_rows <- function() {
  out <- do.call(rbind, .rows$list)
  .rows$list <- list()
  # NaN only where R's svyquantile gives one (see add_quantiles)
  quantile <- grepl("\\.(p25|median|p75)$", out$figure_id) &
    out$field %in% c("se", "ci_lower", "ci_upper")
  bad <- out$value %in% c("NA", "NaN", "Inf", "-Inf") & !(quantile & out$value == "NaN")
  if (any(bad)) print(out[bad, ])
  stopifnot(!anyDuplicated(out[, c("figure_id", "field")]), !any(bad))
  out
}

is_rep <- function(d) inherits(d, "svyrep.design")
# Those who answered `v` in the design `g` (all of it when `v` has no missing value).
answered <- function(g, v) {
  if (!anyNA(g$variables[[v]])) return(g)
  g[!is.na(g$variables[[v]]), ]
}

# The shares of the coded variable `q` in the domain design `g`, one per code of `codes`
# (the codes of the whole design: an answer nobody in the domain gave is a share of 0),
# each as the mean of its 0/1 indicator; ids(code) names each figure. A share of 0 or
# 100 % has se 0 and neither deff (0/0) nor a logit interval (R's svyciprop has none).
add_shares <- function(ids, q, g, codes) {
  a <- answered(g, q)
  terms <- sprintf("I(as.numeric(%s == %s))", q, codes)
  f <- as.formula(paste("~", paste(terms, collapse = " + ")))
  est <- if (is_rep(a)) svymean(f, a) else svymean(f, a, deff = TRUE)
  tot <- svytotal(f, a)
  for (i in seq_along(codes)) {
    p <- unname(coef(est)[i])
    ci <- c(NA, NA)
    if (p > 0 && p < 1) {
      cp <- quiet(svyciprop(as.formula(sprintf("~I(%s == %s)", q, codes[i])), a,
                            method = "logit", df = degf(a)))
      ci <- attr(cp, "ci")
      # svyciprop's centre comes from an IRLS fit stopped at glm's epsilon 1e-8
      stopifnot(abs(coef(cp) - p) < 1e-7)
    }
    dfx <- if (!is_rep(a)) deff(est)[i]
    put(ids(codes[i]), estimate = 100 * p, se = 100 * SE(est)[i],
        deff = if (!is.null(dfx) && is.finite(dfx)) dfx,
        ci_lower = if (all(is.finite(ci))) 100 * ci[1],
        ci_upper = if (all(is.finite(ci))) 100 * ci[2],
        n_weighted = coef(tot)[i], n_weighted_se = SE(tot)[i],
        base_weighted = sum(weights(a, "sampling")), df = degf(a))
  }
}
codes_of <- function(d, v) {
  x <- d$variables[[v]]
  if (is.factor(x)) levels(droplevels(x)) else sort(unique(na.omit(x)))
}

add_respondents <- function(prefix, group, d) {
  add_shares(function(code) sprintf("%srespondents.%s.%s", prefix, group, code), group, d,
             codes_of(d, group))
}

add_mean <- function(prefix, id, x, dom, g) {
  a <- answered(g, x)
  f <- reformulate(x)
  est <- if (is_rep(a)) svymean(f, a) else svymean(f, a, deff = TRUE)
  ci <- confint(est, df = degf(a))
  put(sprintf("%s%s.%s.mean", prefix, id, dom), estimate = coef(est), se = SE(est),
      deff = if (!is_rep(a)) deff(est), ci_lower = ci[1, 1], ci_upper = ci[1, 2],
      base_weighted = sum(weights(a, "sampling")), df = degf(a))
}

add_total <- function(prefix, id, x, dom, g) {
  a <- answered(g, x)
  est <- svytotal(reformulate(x), a)
  ci <- confint(est, df = degf(a))
  put(sprintf("%s%s.%s.total", prefix, id, dom), estimate = coef(est), se = SE(est),
      ci_lower = ci[1, 1], ci_upper = ci[1, 2],
      base_weighted = sum(weights(a, "sampling")), df = degf(a))
}

add_quantiles <- function(prefix, id, x, dom, g) {
  a <- answered(g, x)
  q <- svyquantile(reformulate(x), a, quantiles = c(0.25, 0.5, 0.75), ci = TRUE,
                   qrule = "math")[[x]]
  for (i in 1:3) {
    put(sprintf("%s%s.%s.%s", prefix, id, dom, c("p25", "median", "p75")[i]),
        estimate = q[i, 1], se = q[i, 4], ci_lower = q[i, 2], ci_upper = q[i, 3],
        base_weighted = sum(weights(a, "sampling")), df = degf(a))
  }
}

add_sd <- function(prefix, id, x, dom, g) {
  a <- answered(g, x)
  put(sprintf("%s%s.%s.sd", prefix, id, dom), estimate = sqrt(coef(svyvar(reformulate(x), a))))
}

add_chisq <- function(prefix, id, q, group, d) {
  a <- answered(answered(d, q), group)
  t <- quiet(svychisq(as.formula(sprintf("~%s + %s", q, group)), a, statistic = "F"))
  base <- sprintf("%s%s.%s.test", prefix, id, group)
  put(paste0(base, ".statistic"), statistic = t$statistic)
  put(paste0(base, ".df"), estimate = t$parameter[["ndf"]],
      df_denominator = t$parameter[["ddf"]])
  put(paste0(base, ".p"), p = as.numeric(t$p.value))
  as.numeric(t$p.value)
}

add_ranktest <- function(prefix, id, x, group, d) {
  a <- answered(answered(d, x), group)
  t <- tryCatch(quiet(svyranktest(as.formula(sprintf("%s ~ factor(%s)", x, group)), a)),
                error = function(e) e)
  if (inherits(t, "error")) {  # survey 4.1.1: more than two groups in a replicate design
    cat(sprintf("#   no %s.%s.test: svyranktest() fails in R: %s\n", x, group,
                conditionMessage(t)))
    return(NULL)
  }
  base <- sprintf("%s%s.%s.test", prefix, id, group)
  if (names(t$statistic) == "t") {
    stopifnot(t$parameter == degf(a) - 1)
    put(paste0(base, ".statistic"), statistic = t$statistic)
    put(paste0(base, ".df"), estimate = t$parameter)
  } else {
    ndf <- unname(t$statistic)
    f <- unname(t$parameter[1]) / ndf
    stopifnot(t$ddf == degf(a) - ndf,
              isTRUE(all.equal(as.numeric(t$p.value), pf(f, ndf, t$ddf, lower.tail = FALSE))))
    put(paste0(base, ".statistic"), statistic = f)
    put(paste0(base, ".df"), estimate = ndf, df_denominator = t$ddf)
  }
  put(paste0(base, ".p"), p = as.numeric(t$p.value))
  as.numeric(t$p.value)
}

# Every figure of one design: `coded` single-answer questions and `numeric` ones, by
# each of `groups` (a question is not broken down by itself), the groups' shares, and the
# tests of each question by each group.
design_figures <- function(d, coded, numeric, groups, prefix = "") {
  domains <- list(all.all = d)
  for (g in groups) {
    for (code in sort(unique(na.omit(d$variables[[g]])))) {
      domains[[sprintf("%s.%s", g, code)]] <- d[!is.na(d$variables[[g]]) &
                                                  d$variables[[g]] == code, ]
    }
  }
  # (design[rows, ] is what subset() does; it keeps the whole design for Taylor designs,
  # and drops the other rows of a replicate design as R's subset() does)
  for (dom in names(domains)) {
    g <- domains[[dom]]
    group <- sub("\\..*", "", dom)
    for (q in setdiff(coded, group)) {
      add_shares(function(code) sprintf("%s%s.%s.%s", prefix, q, dom, code), q, g,
                 codes_of(d, q))
    }
    for (x in numeric) {
      add_mean(prefix, x, x, dom, g)
      add_quantiles(prefix, x, x, dom, g)
      add_sd(prefix, x, x, dom, g)
    }
  }
  for (g in groups) add_respondents(prefix, g, d)
  p <- c()
  for (g in groups) {
    for (q in setdiff(coded, g)) p <- c(p, add_chisq(prefix, q, q, g, d))
    for (x in numeric) p <- c(p, add_ranktest(prefix, x, x, g, d))
  }
  invisible(p)
}
