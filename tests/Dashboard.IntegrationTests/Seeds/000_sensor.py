import paho.mqtt.client as mqtt
import random
import time
broker = "localhost"
topic = "sensor/temp"
client = mqtt.Client()
client.connect(broker)
while True:
    temp = round(random.uniform(20.0, 30.0), 2)
    client.publish(topic, f"Temperature: {temp}°C")
    print(f"Sent: {temp}°C")
    time.sleep(2)
