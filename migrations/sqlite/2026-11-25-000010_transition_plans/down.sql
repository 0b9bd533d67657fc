DROP TABLE transition_plan_items;
DROP TABLE transition_plans;
