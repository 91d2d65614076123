import { Token } from "cdktf";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { defineRule, type Finding } from "../rule";

/** Longest flexible time window EventBridge Scheduler accepts, in minutes (24 h). */
export const MAX_FLEXIBLE_WINDOW_MINUTES = 1440;

/** flexible_time_window: FLEXIBLE names a window of 1–1440 minutes. */
export const schedulerFlexibleWindow = defineRule({
  id: "scheduler-flexible-window",
  severity: "error",
  kind: "apply-time",
  planOverlap: { scope: "part", detail: "the provider validates the window range (1-1440); it does not require a window with mode FLEXIBLE, which CreateSchedule does" },
  summary: `An aws_scheduler_schedule with flexible_time_window mode FLEXIBLE sets maximum_window_in_minutes (a whole number, 1–${MAX_FLEXIBLE_WINDOW_MINUTES}).`,
  why: "The provider checks the window's range but not that it goes with the mode: CreateSchedule rejects FLEXIBLE without a maximum window (ValidationException) and the job is not scheduled.",
  source: {
    title: "EventBridge Scheduler User Guide: Configuring flexible time windows in EventBridge Scheduler",
    url: "https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-flexible-time-windows.html",
    quote:
      "You must specify whether you want to set a flexible time window or not. If you do not want to set this option, specify OFF. If you do set the value to FLEXIBLE, you must then specify a maximum window of time during which you schedule will run.",
  },
  check: (ctx) =>
    ctx.all(SchedulerSchedule).flatMap((schedule): Finding[] => {
      const window = schedule.flexibleTimeWindowInput;
      if (!window || Token.isUnresolved(window.mode)) return [];
      const minutes = window.maximumWindowInMinutes;
      const known = minutes !== undefined && !Token.isUnresolved(minutes);
      if (window.mode === "FLEXIBLE") {
        if (minutes === undefined)
          return [{ resource: schedule, message: `flexible_time_window is FLEXIBLE with no maximum_window_in_minutes; EventBridge Scheduler requires one: set maximumWindowInMinutes (1–${MAX_FLEXIBLE_WINDOW_MINUTES}), or use mode "OFF"` }];
        if (known && (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_FLEXIBLE_WINDOW_MINUTES))
          return [{ resource: schedule, message: `flexible_time_window.maximum_window_in_minutes is ${minutes}; EventBridge Scheduler accepts whole minutes from 1 to ${MAX_FLEXIBLE_WINDOW_MINUTES}: use ${Math.min(MAX_FLEXIBLE_WINDOW_MINUTES, Math.max(1, Math.round(minutes)))}` }];
        return [];
      }
      return [];
    }),
});
