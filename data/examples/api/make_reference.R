# Reference values from R's survey package (Lumley; Debian r-cran-survey) for the API
# examples' designs, for the pipeline to reproduce at a relative 1e-6. R is never run by
# the pipeline or its tests.
#
#   Rscript data/examples/api/make_data.R && Rscript data/examples/api/make_reference.R
#
# sessionInfo(): R 4.2.2 Patched (2022-11-10 r83330), x86_64-pc-linux-gnu, Debian 12;
# survey 4.1-1, survival 3.5-3, Matrix 1.5-3, foreign 0.8-84, mitools 2.4; C.UTF-8 locale.
#
# Data: R survey's `api` data (California Department of Education's Academic Performance
# Index, 2000; package GPL-2 | GPL-3, the data public records), as written by make_data.R;
# each design is declared from the file exactly as its codebook declares it:
#   strat      codebook_strat.yaml       apistrat.dta
#              svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc)
#   clus1      codebook_clus1.yaml       apiclus1.csv
#              svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc)
#   clus1_jk1  codebook_clus1_jk1.yaml   apiclus1_jk1.csv
#              svrepdesign(weights = ~pw, repweights = "^jk[0-9]+$", type = "JK1",
#                          combined.weights = TRUE, scale = 14/15 * (1 - 15/757), mse = FALSE)
#   strat_jkn  codebook_strat_jkn.yaml   apistrat_jkn.csv
#              svrepdesign(weights = ~pw, repweights = "^jkn[0-9]+$", type = "JKn",
#                          combined.weights = TRUE, scale = 1,
#                          rscales = (n_h - 1)/n_h * (1 - n_h/N_h) of each replicate's
#                          stratum, mse = FALSE)
#   strat_boot codebook_strat_boot.yaml  apistrat_boot.csv
#              svrepdesign(weights = ~pw, repweights = "^bs[0-9]+$", type = "bootstrap",
#                          combined.weights = TRUE, scale = 60/(59 * 49), mse = FALSE)
#   strat_sdr  codebook_strat_sdr.yaml   apistrat_sdr.csv
#              svrepdesign(weights = ~pw, repweights = "^sdr[0-9]+$",
#                          type = "successive-difference", combined.weights = TRUE,
#                          mse = TRUE)   # scale 4/80, rscales 1
# Writes reference_<design>.csv for each, and reference_calibration.csv (apiclus1: the
# Taylor design clus1 and the JK1 design clus1_jk1, calibrated: figure ids prefixed
# "poststratify:", "rake:", "linear:", "jk1+poststratify:", "jk1+rake:", "jk1+linear:"):
#   poststratify  postStratify(d, ~stype, data.frame(stype = 1:3, Freq = c(4421, 755, 1018)))
#   rake          rake(d, list(~stype, ~sch_wide), list(<those>, data.frame(sch_wide = 1:2,
#                 Freq = c(1072, 5122))), control = list(maxit = 100, epsilon = 1e-12));
#                 NOT rake()'s default control (maxit 10, epsilon = 1: stop when no cell
#                 of the stype x sch_wide table moves by 1 school or more), which stops
#                 before the weights converge; epsilon < 1 is relative to the sum of
#                 weights. (R's Taylor variance of a raked design backfits the residuals
#                 over the margins a fixed 10 sweeps, svyrecvar().)
#   linear        calibrate(d, ~stype + sch_wide, population = c(6194, 755, 1018, 5122))
#                 (calfun "linear": GREG), stype and sch_wide as factors
# with sch_wide and awards shares, api00 mean and enroll total (svytotal), overall and by
# stype. The figures, fields and their R calls are described in figures.R.
suppressPackageStartupMessages({library(survey); library(foreign)})
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(here, "figures.R"))

coded <- c("stype", "sch_wide", "comp_imp", "awards", "yr_rnd")
numeric <- c("api00", "api99", "enroll", "meals")
groups <- c("stype", "awards")
csv <- function(name) read.csv(file.path(here, name), colClasses = c(cds = "character"))

strat <- read.dta(file.path(here, "apistrat.dta"), convert.factors = FALSE)
clus1 <- csv("apiclus1.csv")
jkn_data <- csv("apistrat_jkn.csv")
# JKn's rscales: replicate r leaves out school r of the file (sorted by stype), so its
# stratum is that school's; (n_h - 1)/n_h * (1 - n_h/N_h), N_h = the fpc column
n_h <- table(jkn_data$stype)[as.character(jkn_data$stype)]
jkn_rscales <- as.numeric((n_h - 1) / n_h * (1 - n_h / jkn_data$fpc))

designs <- list(
  strat = svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = strat),
  clus1 = svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = clus1),
  clus1_jk1 = svrepdesign(data = csv("apiclus1_jk1.csv"), weights = ~pw,
                          repweights = "^jk[0-9]+$", type = "JK1", combined.weights = TRUE,
                          scale = 14 / 15 * (1 - 15 / 757), rscales = 1, mse = FALSE),
  strat_jkn = svrepdesign(data = jkn_data, weights = ~pw, repweights = "^jkn[0-9]+$",
                          type = "JKn", combined.weights = TRUE, scale = 1,
                          rscales = jkn_rscales, mse = FALSE),
  strat_boot = svrepdesign(data = csv("apistrat_boot.csv"), weights = ~pw,
                           repweights = "^bs[0-9]+$", type = "bootstrap",
                           combined.weights = TRUE, scale = 60 / (59 * 49), rscales = 1,
                           mse = FALSE),
  strat_sdr = svrepdesign(data = csv("apistrat_sdr.csv"), weights = ~pw,
                          repweights = "^sdr[0-9]+$", type = "successive-difference",
                          combined.weights = TRUE, mse = TRUE))
stopifnot(ncol(designs$strat_jkn$repweights) == 200)

# The declarations equal what as.svrepdesign() made (make_data.R printed these values)
data(api)
sorted <- apistrat[order(apistrat$stype, apistrat$cds), ]  # make_data.R's order
dstrat0 <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = sorted)
dclus10 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
same <- function(a, b) isTRUE(all.equal(a, b, tolerance = 1e-15))
stopifnot(same(designs$clus1_jk1$scale, as.svrepdesign(dclus10, type = "JK1")$scale),
          same(designs$strat_jkn$rscales,
               as.svrepdesign(dstrat0, type = "JKn", compress = FALSE)$rscales),
          same(designs$strat_boot$scale,
               as.svrepdesign(dstrat0, type = "bootstrap", replicates = 50)$scale),
          designs$strat_sdr$scale == 4 / 80)

cat(sprintf("# R %s, survey %s\n", getRversion(), packageVersion("survey")))
options(warn = 1)  # say each warning where it happens
for (name in names(designs)) {
  d <- designs[[name]]
  p <- quiet(design_figures(d, coded, numeric, groups))
  out <- take_rows()
  file <- file.path(here, sprintf("reference_%s.csv", name))
  write.csv(out, file, row.names = FALSE)
  se <- out$value[out$figure_id == "respondents.stype.1" & out$field == "se"]
  cat(sprintf("# degf(%s) = %d; %s: %d rows; smallest test p %s; SE of stype 1's share %s\n",
              name, degf(d), basename(file), nrow(out), fmt(min(p)), se))
  if (name == "strat") stopifnot(as.numeric(se) == 0)  # stype is the stratum
}

# --- calibration, on apiclus1 (Taylor) and its JK1 replicates
cal_data <- function(d) {
  d$stype <- factor(d$stype, levels = 1:3)
  d$sch_wide <- factor(d$sch_wide, levels = 1:2)
  d
}
bases <- setNames(list(
  svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = cal_data(clus1)),
  svrepdesign(data = cal_data(csv("apiclus1_jk1.csv")), weights = ~pw,
              repweights = "^jk[0-9]+$", type = "JK1", combined.weights = TRUE,
              scale = 14 / 15 * (1 - 15 / 757), rscales = 1, mse = FALSE)), c("", "jk1+"))
pop_stype <- data.frame(stype = factor(1:3), Freq = c(4421, 755, 1018))
pop_sch_wide <- data.frame(sch_wide = factor(1:2), Freq = c(1072, 5122))
for (k in seq_along(bases)) {
  b <- names(bases)[k]
  d0 <- bases[[k]]
  variants <- list(
    poststratify = postStratify(d0, ~stype, pop_stype),
    rake = rake(d0, list(~stype, ~sch_wide), list(pop_stype, pop_sch_wide),
                control = list(maxit = 100, epsilon = 1e-12)),
    # (compress = FALSE: survey 4.1.1's default compress = NA stops on an uncompressed
    # replicate design; it is ignored for a Taylor design)
    linear = calibrate(d0, ~stype + sch_wide,
                       population = c(`(Intercept)` = 6194, stype2 = 755, stype3 = 1018,
                                      sch_wide2 = 5122), compress = FALSE))
  for (v in names(variants)) {
    d <- variants[[v]]
    prefix <- sprintf("%s%s:", b, v)
    stopifnot(abs(sum(weights(d, "sampling")) - 6194) < 1e-6)
    domains <- c(list(all.all = d), setNames(lapply(1:3, function(k) d[d$variables$stype == k, ]),
                                             paste0("stype.", 1:3)))
    for (dom in names(domains)) {
      g <- domains[[dom]]
      for (q in c("sch_wide", "awards")) {
        add_shares(function(code) sprintf("%s%s.%s.%s", prefix, q, dom, code), q, g,
                   codes_of(d, q))
      }
      add_mean(prefix, "api00", "api00", dom, g)
      add_total(prefix, "enroll", "enroll", dom, g)
    }
    cat(sprintf("# degf(%s) = %d\n", sub(":$", "", prefix), degf(d)))
  }
}
out <- take_rows()
write.csv(out, file.path(here, "reference_calibration.csv"), row.names = FALSE)
cat(sprintf("# reference_calibration.csv: %d rows\n", nrow(out)))
